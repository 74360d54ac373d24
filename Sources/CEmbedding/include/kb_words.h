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

#endif
