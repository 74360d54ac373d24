// Counting many phrases in one pass (Aho–Corasick over a reduced alphabet): op tagging searched each of ~60
// phrases separately in every chunk, the largest single cost of parsing after the embedding.
#include "kb_phrases.h"
#include <stdlib.h>
#include <string.h>

struct kb_phrase_automaton {
    int32_t phrases;
    int32_t symbols;          // alphabet size: the phrases' distinct bytes plus "any other byte" (0)
    int32_t states;
    uint8_t symbol_of[256];   // byte → symbol, ASCII capitals folded to lower case
    int32_t *next;            // states × symbols: the goto function completed with failure links
    int32_t shift;            // log2 of the row stride of `jump` (symbols rounded up to a power of two)
    int32_t *jump;            // `next` as row offsets: jump[(s << shift) + symbol] = next state << shift
    int32_t *output_start;    // per state: its phrases (those ending here, through dictionary links too)
    int32_t *output_count;
    int32_t *outputs;
    int32_t *length;          // per phrase
};

kb_phrase_automaton *kb_phrases_build(const char *const *phrases, int32_t count) {
    if (count <= 0) return NULL;
    kb_phrase_automaton *a = (kb_phrase_automaton *)calloc(1, sizeof(kb_phrase_automaton));
    if (!a) return NULL;
    a->phrases = count;
    a->length = (int32_t *)calloc((size_t)count, sizeof(int32_t));
    int64_t total = 0;
    a->symbols = 1;
    for (int32_t p = 0; p < count; p++) {
        size_t n = strlen(phrases[p]);
        if (n == 0 || !a->length) return NULL;
        a->length[p] = (int32_t)n;
        total += (int64_t)n;
        for (size_t k = 0; k < n; k++) {
            uint8_t b = (uint8_t)phrases[p][k];
            if (a->symbol_of[b] == 0) a->symbol_of[b] = (uint8_t)a->symbols++;
        }
    }
    for (int c = 'A'; c <= 'Z'; c++) a->symbol_of[c] = a->symbol_of[c + 32];
    int32_t capacity = (int32_t)total + 1, S = a->symbols;
    int32_t *go = (int32_t *)malloc((size_t)capacity * (size_t)S * sizeof(int32_t));
    int32_t *fail = (int32_t *)calloc((size_t)capacity, sizeof(int32_t));
    int32_t *ends = (int32_t *)malloc((size_t)capacity * sizeof(int32_t));      // first phrase ending at a state, -1
    int32_t *same_end = (int32_t *)malloc((size_t)count * sizeof(int32_t));    // next phrase ending at the same state
    int32_t *queue = (int32_t *)malloc((size_t)capacity * sizeof(int32_t));
    if (!go || !fail || !ends || !same_end || !queue) return NULL;
    memset(go, 0xff, (size_t)capacity * (size_t)S * sizeof(int32_t));
    memset(ends, 0xff, (size_t)capacity * sizeof(int32_t));
    int32_t states = 1;
    for (int32_t p = 0; p < count; p++) {
        int32_t s = 0;
        for (int32_t k = 0; k < a->length[p]; k++) {
            int32_t sym = a->symbol_of[(uint8_t)phrases[p][k]];
            if (go[s * S + sym] < 0) go[s * S + sym] = states++;
            s = go[s * S + sym];
        }
        same_end[p] = ends[s];
        ends[s] = p;
    }
    // Breadth-first: failure links, and the goto function completed so every (state, symbol) has a next state.
    int32_t head = 0, tail = 0;
    for (int32_t sym = 0; sym < S; sym++) {
        int32_t t = go[sym];
        if (t < 0) go[sym] = 0; else { fail[t] = 0; queue[tail++] = t; }
    }
    while (head < tail) {
        int32_t s = queue[head++];
        for (int32_t sym = 0; sym < S; sym++) {
            int32_t t = go[s * S + sym];
            if (t < 0) { go[s * S + sym] = go[fail[s] * S + sym]; continue; }
            fail[t] = go[fail[s] * S + sym];
            queue[tail++] = t;
        }
    }
    // Outputs per state: its own phrases, then those of its failure chain.
    a->output_start = (int32_t *)malloc((size_t)states * sizeof(int32_t));
    a->output_count = (int32_t *)calloc((size_t)states, sizeof(int32_t));
    int64_t outputs = 0;
    for (int32_t s = 0; s < states; s++) {
        for (int32_t f = s; f > 0; f = fail[f]) for (int32_t p = ends[f]; p >= 0; p = same_end[p]) outputs++;
    }
    a->outputs = (int32_t *)malloc((size_t)(outputs > 0 ? outputs : 1) * sizeof(int32_t));
    if (!a->output_start || !a->output_count || !a->outputs) return NULL;
    int64_t at = 0;
    for (int32_t s = 0; s < states; s++) {
        a->output_start[s] = (int32_t)at;
        for (int32_t f = s; f > 0; f = fail[f]) {
            for (int32_t p = ends[f]; p >= 0; p = same_end[p]) { a->outputs[at++] = p; a->output_count[s]++; }
        }
    }
    a->next = go;
    a->states = states;
    free(fail); free(ends); free(same_end); free(queue);
    // The scan follows one transition per byte, each depending on the last: with row offsets in the table and
    // power-of-two rows, a step is a load and an add, with no multiplication on that chain.
    int32_t shift = 0;
    while ((1 << shift) < S) shift++;
    a->shift = shift;
    a->jump = (int32_t *)calloc((size_t)states << shift, sizeof(int32_t));
    if (!a->jump) return NULL;
    for (int32_t st = 0; st < states; st++) {
        for (int32_t sym = 0; sym < S; sym++) a->jump[(st << shift) + sym] = go[st * S + sym] << shift;
    }
    return a;
}

void kb_phrases_count(const kb_phrase_automaton *a, const uint8_t *text, int64_t length, int32_t cap, int32_t *counts) {
    int32_t n = a->phrases;
    int64_t last_end[n > 0 ? n : 1];
    for (int32_t p = 0; p < n; p++) { counts[p] = 0; last_end[p] = 0; }
    const int32_t *jump = a->jump;
    const int32_t shift = a->shift;
    int32_t row = 0;
    for (int64_t i = 0; i < length; i++) {
        row = jump[row + a->symbol_of[text[i]]];
        int32_t s = row >> shift;
        int32_t k = a->output_count[s];
        if (k == 0) continue;
        const int32_t *out = a->outputs + a->output_start[s];
        for (int32_t j = 0; j < k; j++) {
            int32_t p = out[j];
            int64_t start = i + 1 - a->length[p];
            if (start >= last_end[p] && counts[p] < cap) { counts[p]++; last_end[p] = i + 1; }
        }
    }
}
