#ifndef KB_WORDS_H
#define KB_WORDS_H
#include <stdint.h>

/// The distinct words of a text, in order of first appearance: kb's embedding input (see `HashedEmbedder`).
/// Arrays are malloc'd by `kb_words_build` and released by `kb_words_free`.
typedef struct kb_word_list {
    /// FNV-1a hash of each word's lower-cased bytes.
    uint64_t *hashes;
    /// Occurrences of each word, each weighted by its part's weight.
    int32_t *counts;
    /// Each word's byte range in `bytes`: `[starts[i], starts[i] + lengths[i])`.
    int64_t *starts;
    int32_t *lengths;
    /// 1 when the word's character n-grams are features too (sub-words), 0 for whole identifiers.
    uint8_t *ngrams;
    /// Number of words.
    int64_t count;
    /// The words' lower-cased bytes, back to back.
    uint8_t *bytes;
    int64_t byte_count;
    /// Capacities and the hash table from word hash to index (owned; freed by `kb_words_free`).
    void *state;
} kb_word_list;

/// Sizes a new list for about `expected_bytes` of text (optional; `kb_words_add` grows it as needed). 0 or -1.
int kb_words_prepare(kb_word_list *list, int64_t expected_bytes);

/// Splits `text` into words and adds them to `list` (zero-initialized before the first call), counted `weight`
/// times each. Words are runs of ASCII letters, digits, `_` and non-ASCII bytes; a run with capitals or `_` is split
/// into sub-words (at `_`, lower→Upper and Upper-run→Upper+lower) and, when distinctive (an `_`, inner capital or
/// digit, at least 3 bytes and more than one sub-word or an `_`), also kept whole without n-grams.
/// Returns 0, or -1 when memory ran out (the list then holds what was added before).
int kb_words_add(kb_word_list *list, const uint8_t *text, int64_t length, int32_t weight);

/// Frees a list's arrays and its lookup table.
void kb_words_free(kb_word_list *list);

/// Quantizes `n` floats to int8 with one scale (`value ≈ int8 · scale`), rounding half away from zero: the
/// scale is max|v| / 127 (0 when every value is 0, with all bytes 0). Returns the scale.
float kb_quantize_i8(const float *values, int64_t n, uint8_t *out);

/// A cache of words' character n-gram slots and idf weights, shared by the embeddings one thread computes (a corpus
/// repeats its vocabulary). Opaque; made by `kb_ngram_cache_create`, freed by `kb_ngram_cache_free`.
typedef struct kb_ngram_cache kb_ngram_cache;

/// A cache for vectors of `dimension` slots holding up to `capacity` words (past that, words are computed each
/// time). NULL when memory ran out.
kb_ngram_cache *kb_ngram_cache_create(int64_t dimension, int64_t capacity);

/// Frees a cache (NULL is ignored).
void kb_ngram_cache_free(kb_ngram_cache *cache);

/// The L2-normalized hashed embedding of `count` distinct words into `out` (`dimension` floats), exactly as
/// `HashedEmbedder` defines it: each word's feature and, where `ngrams[w]` is set and the word has 2 to 60 bytes, its
/// character 3-, 4- and 5-grams (with `<` `>` marks) weighted by `ngram_weight`, all weighted by
/// `(1 + ln count) · idf`. Word `w` is `bytes[starts[w], starts[w] + lengths[w])` with hash `hashes[w]`; its document
/// frequency is `df[mix(hash) & (df_buckets - 1)]` (`df_buckets` a power of two; `df_length` 0 reads every frequency
/// as 0). `cache` may be NULL; with one of the same dimension, a word's idf is reused while `stamp` (non-zero) stays
/// the same. The result does not depend on the cache.
void kb_embed_words(int64_t dimension, float ngram_weight, const uint64_t *hashes, const int32_t *counts,
                    const int64_t *starts, const int32_t *lengths, const uint8_t *ngrams, const uint8_t *bytes,
                    int64_t count, const int32_t *df, int64_t df_length, int64_t df_buckets, int64_t document_count,
                    kb_ngram_cache *cache, int32_t stamp, float *out);

#endif
