#include "kb_curl.h"
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static struct {
    CURLcode (*global_init)(long);
    CURL *(*easy_init)(void);
    void (*easy_cleanup)(CURL *);
    CURLcode (*easy_perform)(CURL *);
    const char *(*easy_strerror)(CURLcode);
    CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
    CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
    struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
    void (*slist_free_all)(struct curl_slist *);
} api;
static int loaded;
static char load_error[512];
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void *resolve(void *lib, const char *name) {
    void *f = dlsym(lib, name);
    if (!f && !load_error[0]) snprintf(load_error, sizeof load_error, "libcurl lacks %s", name);
    return f;
}

static void load(void) {
    static const char *const names[] = {"libcurl.so.4", "libcurl-gnutls.so.4", "libcurl.so"};
    void *lib = NULL;
    const char *chosen = getenv("KB_LIBCURL");  // a libcurl elsewhere than the loader's search path
    if (chosen && *chosen) {
        lib = dlopen(chosen, RTLD_NOW | RTLD_LOCAL);
    } else {
        for (size_t i = 0; i < sizeof names / sizeof names[0] && !lib; i++) lib = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
    }
    if (!lib) {
        const char *why = dlerror();
        snprintf(load_error, sizeof load_error,
                 "libcurl could not be loaded (%s); install the libcurl4 package or set KB_LIBCURL to its path",
                 why ? why : "libcurl.so.4 not found");
        return;
    }
    *(void **)&api.global_init = resolve(lib, "curl_global_init");
    *(void **)&api.easy_init = resolve(lib, "curl_easy_init");
    *(void **)&api.easy_cleanup = resolve(lib, "curl_easy_cleanup");
    *(void **)&api.easy_perform = resolve(lib, "curl_easy_perform");
    *(void **)&api.easy_strerror = resolve(lib, "curl_easy_strerror");
    *(void **)&api.easy_setopt = resolve(lib, "curl_easy_setopt");
    *(void **)&api.easy_getinfo = resolve(lib, "curl_easy_getinfo");
    *(void **)&api.slist_append = resolve(lib, "curl_slist_append");
    *(void **)&api.slist_free_all = resolve(lib, "curl_slist_free_all");
    if (load_error[0]) return;
    if (api.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        snprintf(load_error, sizeof load_error, "curl_global_init failed");
        return;
    }
    loaded = 1;
}

int kb_curl_load(void) {
    pthread_once(&once, load);
    return loaded;
}

const char *kb_curl_load_error(void) {
    pthread_once(&once, load);
    return load_error;
}

// Every entry point below is reached only after kb_curl_load() returned 1 (the Swift wrappers check); the guards
// keep a mistaken call from jumping through a null pointer.
CURL *kb_curl_easy_init(void) { return kb_curl_load() ? api.easy_init() : NULL; }
void kb_curl_easy_cleanup(CURL *c) { if (loaded && c) api.easy_cleanup(c); }
CURLcode kb_curl_easy_perform(CURL *c) { return loaded ? api.easy_perform(c) : CURLE_FAILED_INIT; }
const char *kb_curl_easy_strerror(CURLcode code) { return loaded ? api.easy_strerror(code) : load_error; }
struct curl_slist *kb_curl_slist_append(struct curl_slist *list, const char *value) {
    return kb_curl_load() ? api.slist_append(list, value) : list;
}
void kb_curl_slist_free_all(struct curl_slist *list) { if (loaded && list) api.slist_free_all(list); }

CURLcode kb_curl_set_url(CURL *c, const char *url) { return loaded ? api.easy_setopt(c, CURLOPT_URL, url) : CURLE_FAILED_INIT; }
CURLcode kb_curl_set_long(CURL *c, CURLoption o, long v) { return loaded ? api.easy_setopt(c, o, v) : CURLE_FAILED_INIT; }
CURLcode kb_curl_set_string(CURL *c, CURLoption o, const char *v) { return loaded ? api.easy_setopt(c, o, v) : CURLE_FAILED_INIT; }
CURLcode kb_curl_set_pointer(CURL *c, CURLoption o, void *v) { return loaded ? api.easy_setopt(c, o, v) : CURLE_FAILED_INIT; }
CURLcode kb_curl_set_write(CURL *c, kb_curl_write_fn f, void *ud) {
    if (!loaded) return CURLE_FAILED_INIT;
    CURLcode r = api.easy_setopt(c, CURLOPT_WRITEFUNCTION, f);
    return r != CURLE_OK ? r : api.easy_setopt(c, CURLOPT_WRITEDATA, ud);
}
CURLcode kb_curl_get_response_code(CURL *c, long *code) { return loaded ? api.easy_getinfo(c, CURLINFO_RESPONSE_CODE, code) : CURLE_FAILED_INIT; }
CURLcode kb_curl_get_content_type(CURL *c, char **ct) { return loaded ? api.easy_getinfo(c, CURLINFO_CONTENT_TYPE, ct) : CURLE_FAILED_INIT; }
CURLcode kb_curl_get_effective_url(CURL *c, char **u) { return loaded ? api.easy_getinfo(c, CURLINFO_EFFECTIVE_URL, u) : CURLE_FAILED_INIT; }
CURLcode kb_curl_get_retry_after(CURL *c, curl_off_t *seconds) { return loaded ? api.easy_getinfo(c, CURLINFO_RETRY_AFTER, seconds) : CURLE_FAILED_INIT; }
