#ifndef KB_CURL_H
#define KB_CURL_H
// kb's door to libcurl. libcurl is loaded with dlopen on first use, not linked: it pulls in a TLS stack, Kerberos,
// LDAP and SSH (about 25 shared libraries, ~8 ms of every process start) that only `kb ingest URL` and the HTTP
// generator need. The types and constants come from the system header; every call goes through the functions below.
#include <curl/curl.h>

typedef size_t (*kb_curl_write_fn)(char *ptr, size_t size, size_t nmemb, void *userdata);

/// Loads libcurl and runs curl_global_init once per process; 1 when libcurl is usable, 0 when it is not (then
/// kb_curl_load_error says why).
int kb_curl_load(void);
/// Why libcurl could not be loaded (empty when it loaded).
const char *kb_curl_load_error(void);

CURL *kb_curl_easy_init(void);
void kb_curl_easy_cleanup(CURL *c);
CURLcode kb_curl_easy_perform(CURL *c);
const char *kb_curl_easy_strerror(CURLcode code);
struct curl_slist *kb_curl_slist_append(struct curl_slist *list, const char *value);
void kb_curl_slist_free_all(struct curl_slist *list);

CURLcode kb_curl_set_url(CURL *c, const char *url);
CURLcode kb_curl_set_long(CURL *c, CURLoption o, long v);
CURLcode kb_curl_set_string(CURL *c, CURLoption o, const char *v);
CURLcode kb_curl_set_pointer(CURL *c, CURLoption o, void *v);
CURLcode kb_curl_set_write(CURL *c, kb_curl_write_fn f, void *ud);
CURLcode kb_curl_get_response_code(CURL *c, long *code);
CURLcode kb_curl_get_content_type(CURL *c, char **ct);
CURLcode kb_curl_get_effective_url(CURL *c, char **u);
CURLcode kb_curl_get_retry_after(CURL *c, curl_off_t *seconds);
#endif
