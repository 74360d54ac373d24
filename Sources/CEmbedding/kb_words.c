// The word splitting behind kb's hashed embedding, in C: the Swift version spent most of its time in array
// bookkeeping (uniqueness checks, growth, bounds checks) rather than in the scan itself.
#include "kb_words.h"
#include <stdlib.h>
#include <string.h>

/// Open addressing from word hash to word index.
typedef struct table {
    uint64_t *keys;
    int32_t *values;  // -1: empty
    int64_t mask;
    int64_t used;
} table;

/// What a list keeps beside its arrays (`kb_word_list.state`).
typedef struct list_state {
    table t;
    int64_t capacity;       // words
    int64_t byte_capacity;  // bytes
} list_state;

/// Byte classes: 1 a word byte (ASCII letter, digit, `_` or any non-ASCII byte), 2 an ASCII capital, 4 `_`.
static const uint8_t byte_class[256] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0,
    0, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 0, 0, 0, 0, 5,
    0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
};

static inline uint8_t lower(uint8_t b) { return (b >= 'A' && b <= 'Z') ? (uint8_t)(b + 32) : b; }

static int table_grow(table *t, int64_t minimum) {
    int64_t capacity = t->mask < 0 ? 64 : (t->mask + 1) * 2;
    while (capacity < minimum) capacity *= 2;
    uint64_t *keys = (uint64_t *)malloc((size_t)capacity * sizeof(uint64_t));
    int32_t *values = (int32_t *)malloc((size_t)capacity * sizeof(int32_t));
    if (!keys || !values) { free(keys); free(values); return -1; }
    memset(values, 0xff, (size_t)capacity * sizeof(int32_t));
    int64_t mask = capacity - 1;
    if (t->mask >= 0) {
        for (int64_t k = 0; k <= t->mask; k++) {
            if (t->values[k] < 0) continue;
            int64_t i = (int64_t)(t->keys[k] & (uint64_t)mask);
            while (values[i] >= 0) i = (i + 1) & mask;
            keys[i] = t->keys[k];
            values[i] = t->values[k];
        }
    }
    free(t->keys);
    free(t->values);
    t->keys = keys;
    t->values = values;
    t->mask = mask;
    return 0;
}

static int reserve(kb_word_list *list, list_state *s, int64_t words, int64_t bytes) {
    if (list->count + words > s->capacity) {
        int64_t capacity = s->capacity < 64 ? 64 : s->capacity;
        while (capacity < list->count + words) capacity *= 2;
        uint64_t *h = (uint64_t *)realloc(list->hashes, (size_t)capacity * sizeof(uint64_t));
        if (h) list->hashes = h;
        int32_t *c = (int32_t *)realloc(list->counts, (size_t)capacity * sizeof(int32_t));
        if (c) list->counts = c;
        int64_t *st = (int64_t *)realloc(list->starts, (size_t)capacity * sizeof(int64_t));
        if (st) list->starts = st;
        int32_t *le = (int32_t *)realloc(list->lengths, (size_t)capacity * sizeof(int32_t));
        if (le) list->lengths = le;
        uint8_t *n = (uint8_t *)realloc(list->ngrams, (size_t)capacity);
        if (n) list->ngrams = n;
        if (!h || !c || !st || !le || !n) return -1;
        s->capacity = capacity;
    }
    if (list->byte_count + bytes > s->byte_capacity) {
        int64_t capacity = s->byte_capacity < 256 ? 256 : s->byte_capacity;
        while (capacity < list->byte_count + bytes) capacity *= 2;
        uint8_t *b = (uint8_t *)realloc(list->bytes, (size_t)capacity);
        if (!b) return -1;
        list->bytes = b;
        s->byte_capacity = capacity;
    }
    return 0;
}

#define FNV_OFFSET 0xcbf29ce484222325ULL
#define FNV_PRIME 0x100000001b3ULL

/// Adds the word `text[lo, hi)` (lower-cased here) whose FNV-1a hash of the lower-cased bytes is `h`.
static int add_hashed(kb_word_list *list, list_state *s, const uint8_t *text, int64_t lo, int64_t hi, uint64_t h,
                      int ngrams, int32_t weight) {
    table *t = &s->t;
    int64_t i = (int64_t)(h & (uint64_t)t->mask);
    while (t->values[i] >= 0) {
        if (t->keys[i] == h) { list->counts[t->values[i]] += weight; return 0; }
        i = (i + 1) & t->mask;
    }
    if (reserve(list, s, 1, hi - lo) != 0) return -1;
    int64_t index = list->count;
    t->keys[i] = h;
    t->values[i] = (int32_t)index;
    uint8_t *out = list->bytes + list->byte_count;
    for (int64_t k = lo; k < hi; k++) *out++ = lower(text[k]);
    list->hashes[index] = h;
    list->counts[index] = weight;
    list->starts[index] = list->byte_count;
    list->lengths[index] = (int32_t)(hi - lo);
    list->ngrams[index] = (uint8_t)(ngrams != 0);
    list->byte_count += hi - lo;
    list->count += 1;
    t->used += 1;
    if (t->used * 2 > t->mask + 1 && table_grow(t, 0) != 0) return -1;
    return 0;
}

/// A token with capitals or `_`: its sub-words and, when distinctive, the whole token. The sub-words' and the
/// token's hashes are computed in the one pass that finds the boundaries (hashing each again cost two more passes
/// over every identifier with an `_` or a capital, most of a C file's words).
static int add_token(kb_word_list *list, list_state *s, const uint8_t *text, int64_t lo, int64_t hi, int32_t weight) {
    int has_underscore = 0, has_camel = 0, has_digit = 0;
    int64_t sub_start = lo;
    int subwords = 0;
    uint64_t sub_hash = FNV_OFFSET;    // of text[sub_start, j), lower-cased
    uint64_t token_hash = FNV_OFFSET;  // of text[lo, j), lower-cased
    for (int64_t j = lo; j <= hi; j++) {
        uint8_t c = j < hi ? text[j] : '_';
        int boundary = c == '_';
        if (!boundary && j > sub_start) {
            uint8_t prev = text[j - 1];
            int is_upper = c >= 'A' && c <= 'Z';
            int prev_lower = prev >= 'a' && prev <= 'z', prev_upper = prev >= 'A' && prev <= 'Z';
            int next_lower = j + 1 < hi && text[j + 1] >= 'a' && text[j + 1] <= 'z';
            if (is_upper && (prev_lower || (prev_upper && next_lower))) { boundary = 1; has_camel = 1; }
        }
        if (boundary) {
            if (j > sub_start) {
                if (add_hashed(list, s, text, sub_start, j, sub_hash, 1, weight) != 0) return -1;
                subwords += 1;
            }
            if (c == '_') { has_underscore = has_underscore || j < hi; sub_start = j + 1; } else { sub_start = j; }
            sub_hash = FNV_OFFSET;
        }
        if (j < hi) {
            uint64_t l = (uint64_t)lower(c);
            token_hash = (token_hash ^ l) * FNV_PRIME;
            if (c != '_') sub_hash = (sub_hash ^ l) * FNV_PRIME;  // an `_` is never part of a sub-word
        }
        if (c >= '0' && c <= '9') has_digit = 1;
    }
    if ((has_underscore || has_camel || has_digit) && hi - lo >= 3 && (subwords > 1 || has_underscore)) {
        return add_hashed(list, s, text, lo, hi, token_hash, 0, weight);
    }
    return 0;
}

/// The list's state, made on first use with room for about `expected_bytes` of text.
static list_state *state_of(kb_word_list *list, int64_t expected_bytes) {
    if (list->state) return (list_state *)list->state;
    list_state *s = (list_state *)calloc(1, sizeof(list_state));
    if (!s) return NULL;
    s->t.mask = -1;
    list->state = s;
    // About one distinct word per 4 bytes of text, and the table at most half full.
    if (table_grow(&s->t, expected_bytes / 2) != 0 || reserve(list, s, expected_bytes / 4 + 16, expected_bytes / 2 + 64) != 0) {
        return NULL;
    }
    return s;
}

int kb_words_prepare(kb_word_list *list, int64_t expected_bytes) {
    return state_of(list, expected_bytes < 0 ? 0 : expected_bytes) ? 0 : -1;
}

int kb_words_add(kb_word_list *list, const uint8_t *text, int64_t length, int32_t weight) {
    list_state *s = state_of(list, length);
    if (!s) return -1;
    int64_t i = 0;
    while (i < length) {
        while (i < length && !(byte_class[text[i]] & 1)) i++;
        if (i >= length) break;
        int64_t start = i;
        uint8_t flags = 0;
        // Hashed while scanned: for the common word with no capital or `_` this is its hash (lower-cased bytes
        // are the bytes themselves; non-ASCII bytes are kept as they are).
        uint64_t h = FNV_OFFSET;
        while (i < length) {
            uint8_t b = text[i];
            uint8_t cls = byte_class[b];
            if (!(cls & 1)) break;
            flags |= cls;
            h = (h ^ (uint64_t)b) * FNV_PRIME;
            i++;
        }
        // Most words are one lower-case (or digit) run: that run is the only sub-word, and no whole identifier is
        // added for it (a whole identifier needs an underscore or a second sub-word).
        int rc = !(flags & 6) ? add_hashed(list, s, text, start, i, h, 1, weight)
                                                 : add_token(list, s, text, start, i, weight);
        if (rc != 0) return -1;
    }
    return 0;
}

void kb_words_free(kb_word_list *list) {
    list_state *s = (list_state *)list->state;
    if (s) { free(s->t.keys); free(s->t.values); free(s); }
    free(list->hashes); free(list->counts); free(list->starts); free(list->lengths); free(list->ngrams); free(list->bytes);
    memset(list, 0, sizeof(*list));
}
