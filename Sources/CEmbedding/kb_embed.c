// kb's hashed embedding of a word list, in C: the Swift loop paid bounds and exclusivity checks on every n-gram
// slot. The arithmetic is Swift's, operation for operation, in single precision without contraction (no fused
// multiply-add), so the vectors are bit-identical to the Swift definition kept in the tests.
#include "kb_words.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#pragma clang fp contract(off)

/// One word of the cache. All of a word's fields share one 32-byte entry (and so one cache line): with a table
/// array per field, each lookup touched five lines spread over ~5 MB, and `kb_embed_words` spent more of the
/// ingest's time waiting on memory than its instruction count suggests.
typedef struct ngram_entry {
    uint64_t key;
    int32_t start;   // slot offset + 1; 0: empty
    int32_t length;  // n-gram slots of the word
    float idf;
    int32_t stamp;
    uint64_t unused;
} ngram_entry;

struct kb_ngram_cache {
    int64_t dimension;
    int64_t size;  // a power of two, at least twice the capacity
    int64_t count;
    ngram_entry *entries;
    size_t entries_bytes;  // of the mapping that holds `entries`
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

/// A zeroed table of `bytes` in a mapping of its own (its length in `mapped`), written through at once, on huge
/// pages where the kernel grants them; NULL when memory ran out.
///
/// Not `calloc`: its zero pages are mapped on the first read, and the table's first write to each page (a lookup
/// reads an entry before inserting it) then took a copy-on-write fault whose TLB flush interrupted the other cores,
/// ~3 % of an ingest's time in a virtual machine. Writing every page up front costs one plain fault per page, or
/// one per 2 MB.
static void *zeroed_table(size_t bytes, size_t *mapped) {
    size_t huge = (size_t)2 << 20;
    size_t length = (bytes + huge - 1) / huge * huge;
    void *p = mmap(NULL, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return NULL;
#ifdef MADV_HUGEPAGE
    (void)madvise(p, length, MADV_HUGEPAGE);
#endif
    memset(p, 0, length);
    *mapped = length;
    return p;
}

kb_ngram_cache *kb_ngram_cache_create(int64_t dimension, int64_t capacity) {
    if (dimension <= 0) return NULL;
    int64_t size = 8;
    while (size < capacity * 2) size <<= 1;
    kb_ngram_cache *c = (kb_ngram_cache *)calloc(1, sizeof(kb_ngram_cache));
    if (!c) return NULL;
    c->dimension = dimension;
    c->size = size;
    c->entries = (ngram_entry *)zeroed_table((size_t)size * sizeof(ngram_entry), &c->entries_bytes);
    c->slot_capacity = 1 << 16;
    c->slots = (int32_t *)malloc((size_t)c->slot_capacity * sizeof(int32_t));
    if (!c->entries || !c->slots) {
        kb_ngram_cache_free(c);
        return NULL;
    }
    return c;
}

void kb_ngram_cache_free(kb_ngram_cache *c) {
    if (!c) return;
    if (c->entries) munmap(c->entries, c->entries_bytes);
    free(c->slots);
    free(c);
}

/// The entry of a word, made (with its n-gram slots) when absent; -1 when the cache is full (or memory ran out)
/// and the word is not in it.
static int64_t cache_entry(kb_ngram_cache *c, uint64_t hash, const uint8_t *word, int64_t length) {
    int64_t mask = c->size - 1;
    int64_t i = (int64_t)(hash >> 7) & mask;
    while (c->entries[i].start != 0) {
        if (c->entries[i].key == hash) return i;
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
    c->entries[i] = (ngram_entry){.key = hash, .start = (int32_t)(c->slot_count + 1), .length = n};
    c->slot_count += n;
    c->count += 1;
    return i;
}

/// Words ahead whose cache entry and df bucket `kb_embed_words` prefetches.
#define PREFETCH_AHEAD 6

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
        // The cache entry and df bucket of a word a few ahead: both tables are larger than the L2 cache, and a
        // chunk's words are known up front, so their misses overlap instead of stalling one word at a time.
        if (w + PREFETCH_AHEAD < count) {
            uint64_t ahead = hashes[w + PREFETCH_AHEAD];
            if (cache) __builtin_prefetch(&cache->entries[(int64_t)(ahead >> 7) & (cache->size - 1)]);
            int64_t b = (int64_t)(mix(ahead) & bucket_mask);
            if (b < df_length) __builtin_prefetch(&df[b]);
        }
        const uint8_t *word = bytes + starts[w];
        int64_t length = lengths[w];
        int64_t entry = cache ? cache_entry(cache, hashes[w], word, length) : -1;
        float idf;
        if (entry >= 0 && stamp != 0 && cache->entries[entry].stamp == stamp) {
            idf = cache->entries[entry].idf;
        } else {
            int64_t b = (int64_t)(mix(hashes[w]) & bucket_mask);
            float d = (df_length == 0 || b >= df_length) ? 0.0f : (float)df[b];
            float m = n < d ? n : d;  // Swift's min(d, n)
            idf = log_f((n + 1) / (m + 1)) + 1;
            if (entry >= 0 && stamp != 0) { cache->entries[entry].idf = idf; cache->entries[entry].stamp = stamp; }
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
            slots = cache->slots + (cache->entries[entry].start - 1);
            slot_count = cache->entries[entry].length;
        } else {
            slot_count = ngram_slots(word, length, dimension, scratch);
            slots = scratch;
        }
        // Branch-free: a slot's sign is random, so `if (s > 0)` was mispredicted about half the time (~40 % of this
        // function's time went to this loop). Negating a float flips its sign bit, so adding `gw` with the slot's
        // sign bit is exactly `+= gw` or `+= -gw`.
        uint32_t gw_bits;
        memcpy(&gw_bits, &gw, sizeof gw_bits);
        for (int64_t k = 0; k < slot_count; k++) {
            int32_t s = slots[k];
            uint32_t negative = (uint32_t)s >> 31;             // 1 when s < 0 (slots are never 0)
            int64_t index = (int64_t)((s ^ -(int32_t)negative) + (int32_t)negative) - 1;  // |s| - 1
            uint32_t bits = gw_bits ^ (negative << 31);
            float v;
            memcpy(&v, &bits, sizeof v);
            out[index] += v;
        }
    }
    float norm = 0;
    for (int64_t i = 0; i < dimension; i++) norm += out[i] * out[i];
    norm = sqrtf(norm);
    if (norm > 0) {
        for (int64_t i = 0; i < dimension; i++) out[i] /= norm;
    }
}
