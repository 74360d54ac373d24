// int8 quantization of embedding vectors, exactly as `HashedEmbedder.quantizedBytes` defines it.
#include "kb_words.h"
#include <string.h>

#pragma clang fp contract(off)

float kb_quantize_i8(const float *values, int64_t n, uint8_t *out) {
    float max_abs = 0;
    for (int64_t i = 0; i < n; i++) {
        float a = values[i] < 0 ? -values[i] : values[i];
        if (a > max_abs) max_abs = a;  // Swift's max(maxAbs, abs(x)): NaN never wins here either
    }
    if (!(max_abs > 0)) { memset(out, 0, (size_t)n); return 0; }
    float s = max_abs / 127;
    for (int64_t i = 0; i < n; i++) {
        // Float division, then rounding half away from zero in double (exact for |x / s| ≤ 127; -0.0 rounds to 0
        // either way), then truncation. Branch-free, so the loop vectorizes.
        double y = (double)(values[i] / s);
        int q = (int)(y + __builtin_copysign(0.5, y));
        q = q > 127 ? 127 : q;
        q = q < -128 ? -128 : q;
        out[i] = (uint8_t)(int8_t)q;
    }
    return s;
}
