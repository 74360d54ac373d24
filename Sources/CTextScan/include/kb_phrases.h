#ifndef KB_PHRASES_H
#define KB_PHRASES_H
#include <stdint.h>

/// A set of byte phrases matched in one pass over a text (Aho–Corasick), ASCII case ignored.
typedef struct kb_phrase_automaton kb_phrase_automaton;

/// Builds the automaton for `count` NUL-terminated phrases (lower-case ASCII); NULL when out of memory or given
/// an empty phrase. It is immutable once built, so any number of threads may use it at once; it is never freed.
kb_phrase_automaton *kb_phrases_build(const char *const *phrases, int32_t count);

/// For each phrase, its non-overlapping occurrences in `text` (leftmost first, as a scan that skips past each
/// match finds them) with ASCII letters compared case-insensitively, counted up to `cap`, into `counts` (one per
/// phrase, in build order).
void kb_phrases_count(const kb_phrase_automaton *automaton, const uint8_t *text, int64_t length, int32_t cap,
                      int32_t *counts);

#endif
