// kb's hashed embedding of a word list, in C: the Swift loop paid bounds and exclusivity checks on every n-gram
// slot. The arithmetic is Swift's, operation for operation, in single precision without contraction (no fused
// multiply-add), so the vectors are bit-identical to the Swift definition kept in the tests.
#include "kb_words.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

#pragma clang fp contract(off)

struct kb_ngram_cache {
    int64_t dimension;
    int64_t size;  // a power of two, at least twice the capacity
    int64_t count;
    uint64_t *keys;
    int32_t *starts;   // slot offset + 1; 0: empty
    uint8_t *lengths;  // n-gram slots of the word
    float *idfs;
    int32_t *stamps;
    int32_t *slots;  // every entry's n-gram slots, back to back
    int64_t slot_count, slot_capacity;
};

static inline uint64_t mix(uint64_t x) {
    uint64_t z = x + 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static inline int64_t slot_of(uint64_t h, int64_t dimension) {
    return (dimension & (dimension - 1)) == 0 ? (int64_t)(h & (uint64_t)(dimension - 1)) : (int64_t)(h % (uint64_t)dimension);
}

/// At most (60 + 2 - 3 + 1) + (60 + 2 - 4 + 1) + (60 + 2 - 5 + 1) slots for a 60-byte word.
#define MAX_NGRAM_SLOTS 180

/// The signed slots (±(slot + 1)) of a word's character 3-, 4- and 5-grams with `<` `>` marks; the count.
static int ngram_slots(const uint8_t *word, int64_t length, int64_t dimension, int32_t *out) {
    uint8_t gram[64];
    gram[0] = 60;
    memcpy(gram + 1, word, (size_t)length);
    gram[length + 1] = 62;
    int64_t len = length + 2;
    int n = 0;
    for (int64_t size = 3; size <= 5 && size <= len; size++) {
        for (int64_t s = 0; s <= len - size; s++) {
            uint64_t h = 0x84222325cbf29ce4ULL + (uint64_t)size;
            for (int64_t i = s; i < s + size; i++) h = (h ^ (uint64_t)gram[i]) * 0x100000001b3ULL;
            uint64_t gh = mix(h);
            int32_t slot = (int32_t)(slot_of(gh, dimension) + 1);
            out[n++] = (gh >> 63) == 0 ? slot : -slot;
        }
    }
    return n;
}

kb_ngram_cache *kb_ngram_cache_create(int64_t dimension, int64_t capacity) {
    if (dimension <= 0) return NULL;
    int64_t size = 8;
    while (size < capacity * 2) size <<= 1;
    kb_ngram_cache *c = (kb_ngram_cache *)calloc(1, sizeof(kb_ngram_cache));
    if (!c) return NULL;
    c->dimension = dimension;
    c->size = size;
    // calloc: the zeroed tables cost nothing until touched (the memsets they replaced were ~0.4 % of an ingest).
    c->keys = (uint64_t *)calloc((size_t)size, sizeof(uint64_t));
    c->starts = (int32_t *)calloc((size_t)size, sizeof(int32_t));
    c->lengths = (uint8_t *)calloc((size_t)size, 1);
    c->idfs = (float *)calloc((size_t)size, sizeof(float));
    c->stamps = (int32_t *)calloc((size_t)size, sizeof(int32_t));
    c->slot_capacity = 1 << 16;
    c->slots = (int32_t *)malloc((size_t)c->slot_capacity * sizeof(int32_t));
    if (!c->keys || !c->starts || !c->lengths || !c->idfs || !c->stamps || !c->slots) {
        kb_ngram_cache_free(c);
        return NULL;
    }
    return c;
}

void kb_ngram_cache_free(kb_ngram_cache *c) {
    if (!c) return;
    free(c->keys); free(c->starts); free(c->lengths); free(c->idfs); free(c->stamps); free(c->slots);
    free(c);
}

/// The entry of a word, made (with its n-gram slots) when absent; -1 when the cache is full (or memory ran out)
/// and the word is not in it.
static int64_t cache_entry(kb_ngram_cache *c, uint64_t hash, const uint8_t *word, int64_t length) {
    int64_t mask = c->size - 1;
    int64_t i = (int64_t)(hash >> 7) & mask;
    while (c->starts[i] != 0) {
        if (c->keys[i] == hash) return i;
        i = (i + 1) & mask;
    }
    if (c->count * 2 >= c->size) return -1;
    int32_t scratch[MAX_NGRAM_SLOTS];
    int n = (length >= 2 && length <= 60) ? ngram_slots(word, length, c->dimension, scratch) : 0;
    if (c->slot_count + n + 1 >= INT32_MAX) return -1;
    if (c->slot_count + n > c->slot_capacity) {
        int64_t capacity = c->slot_capacity * 2;
        while (capacity < c->slot_count + n) capacity *= 2;
        int32_t *grown = (int32_t *)realloc(c->slots, (size_t)capacity * sizeof(int32_t));
        if (!grown) return -1;
        c->slots = grown;
        c->slot_capacity = capacity;
    }
    memcpy(c->slots + c->slot_count, scratch, (size_t)n * sizeof(int32_t));
    c->keys[i] = hash;
    c->starts[i] = (int32_t)(c->slot_count + 1);
    c->lengths[i] = (uint8_t)n;
    c->stamps[i] = 0;
    c->slot_count += n;
    c->count += 1;
    return i;
}

/// Swift's `Float(log(Double(x)))`.
static inline float log_f(float x) { return (float)log((double)x); }

void kb_embed_words(int64_t dimension, float ngram_weight, const uint64_t *hashes, const int32_t *counts,
                    const int64_t *starts, const int32_t *lengths, const uint8_t *ngrams, const uint8_t *bytes,
                    int64_t count, const int32_t *df, int64_t df_length, int64_t df_buckets, int64_t document_count,
                    kb_ngram_cache *cache, int32_t stamp, float *out) {
    memset(out, 0, (size_t)dimension * sizeof(float));
    if (cache && cache->dimension != dimension) cache = NULL;
    float n = (float)(document_count > 1 ? document_count : 1);
    uint64_t bucket_mask = (uint64_t)(df_buckets - 1);
    int32_t scratch[MAX_NGRAM_SLOTS];
    for (int64_t w = 0; w < count; w++) {
        const uint8_t *word = bytes + starts[w];
        int64_t length = lengths[w];
        int64_t entry = cache ? cache_entry(cache, hashes[w], word, length) : -1;
        float idf;
        if (entry >= 0 && stamp != 0 && cache->stamps[entry] == stamp) {
            idf = cache->idfs[entry];
        } else {
            int64_t b = (int64_t)(mix(hashes[w]) & bucket_mask);
            float d = (df_length == 0 || b >= df_length) ? 0.0f : (float)df[b];
            float m = n < d ? n : d;  // Swift's min(d, n)
            idf = log_f((n + 1) / (m + 1)) + 1;
            if (entry >= 0 && stamp != 0) { cache->idfs[entry] = idf; cache->stamps[entry] = stamp; }
        }
        int32_t c = counts[w];
        float weight = (c == 1 ? 1.0f : 1.0f + log_f((float)c)) * idf;
        uint64_t h = mix(hashes[w] ^ 0x51ed27ULL);
        int64_t slot = slot_of(h, dimension);
        out[slot] += (h >> 63) == 0 ? weight : -weight;
        if (!ngrams[w] || length < 2 || length > 60) continue;
        float gw = weight * ngram_weight;
        const int32_t *slots;
        int64_t slot_count;
        if (entry >= 0) {
            slots = cache->slots + (cache->starts[entry] - 1);
            slot_count = cache->lengths[entry];
        } else {
            slot_count = ngram_slots(word, length, dimension, scratch);
            slots = scratch;
        }
        for (int64_t k = 0; k < slot_count; k++) {
            int32_t s = slots[k];
            if (s > 0) out[s - 1] += gw; else out[-s - 1] += -gw;
        }
    }
    float norm = 0;
    for (int64_t i = 0; i < dimension; i++) norm += out[i] * out[i];
    norm = sqrtf(norm);
    if (norm > 0) {
        for (int64_t i = 0; i < dimension; i++) out[i] /= norm;
    }
}
