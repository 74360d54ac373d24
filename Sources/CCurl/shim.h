#ifndef KB_CCURL_SHIM_H
#define KB_CCURL_SHIM_H
#include <curl/curl.h>

typedef size_t (*kb_curl_write_fn)(char *ptr, size_t size, size_t nmemb, void *userdata);

static inline CURLcode kb_curl_set_url(CURL *c, const char *url) { return curl_easy_setopt(c, CURLOPT_URL, url); }
static inline CURLcode kb_curl_set_long(CURL *c, CURLoption o, long v) { return curl_easy_setopt(c, o, v); }
static inline CURLcode kb_curl_set_string(CURL *c, CURLoption o, const char *v) { return curl_easy_setopt(c, o, v); }
static inline CURLcode kb_curl_set_pointer(CURL *c, CURLoption o, void *v) { return curl_easy_setopt(c, o, v); }
static inline CURLcode kb_curl_set_write(CURL *c, kb_curl_write_fn f, void *ud) {
    CURLcode r = curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, f);
    if (r != CURLE_OK) return r;
    return curl_easy_setopt(c, CURLOPT_WRITEDATA, ud);
}
static inline CURLcode kb_curl_get_response_code(CURL *c, long *code) { return curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, code); }
static inline CURLcode kb_curl_get_content_type(CURL *c, char **ct) { return curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, ct); }
static inline CURLcode kb_curl_get_effective_url(CURL *c, char **u) { return curl_easy_getinfo(c, CURLINFO_EFFECTIVE_URL, u); }
static inline CURLcode kb_curl_get_retry_after(CURL *c, curl_off_t *seconds) { return curl_easy_getinfo(c, CURLINFO_RETRY_AFTER, seconds); }
#endif
