/*
 * softmax_avx2.c -- three-pass row softmax with AVX2 + FMA and a vector exp.
 *
 * What: y = exp(x - rowmax) / sum(exp(x - rowmax)).
 *
 * Technique:
 *   pass 1: row max with two ymm _mm256_max_ps chains, scalar tail;
 *   pass 2: e = exp(x - max) stored into y, sum accumulated in a ymm;
 *   pass 3: y *= 1/sum.
 * The exp uses the classic exponent-bit construction because AVX2 has no
 * scalef: n = round(t*log2e) is converted to int, biased by 127 and shifted
 * into the exponent field (_mm256_slli_epi32(.., 23)) to form 2^n exactly.
 * Clamping t to [-87.3, 88.3] keeps n + 127 inside [1, 254], so the bit trick
 * never produces a denormal or infinity pattern.
 *
 * The scalar tail uses expf() so results in the last cols % 8 columns are
 * within ~2 ulp of the vector lanes.
 */
#include <immintrin.h>
#include <math.h>
#include <stddef.h>

/* Horizontal max of 8 lanes. */
static inline float hmax256_ps(__m256 v)
{
    __m128 m = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    m = _mm_max_ps(m, _mm_movehl_ps(m, m));
    m = _mm_max_ss(m, _mm_shuffle_ps(m, m, 0x1));
    return _mm_cvtss_f32(m);
}

/* Horizontal sum of 8 lanes. */
static inline float hsum256_ps(__m256 v)
{
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 0x1));
    return _mm_cvtss_f32(s);
}

/* 8-lane exp(t) with exponent-field construction of 2^n. */
static inline __m256 exp256_ps(__m256 t)
{
    t = _mm256_max_ps(t, _mm256_set1_ps(-87.3f));
    t = _mm256_min_ps(t, _mm256_set1_ps(88.3f));
    __m256 n = _mm256_round_ps(_mm256_mul_ps(t, _mm256_set1_ps(1.44269504f)),
                               _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), t);
    r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
    __m256 p = _mm256_set1_ps(1.0f / 720.0f);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 120.0f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 24.0f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 6.0f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(0.5f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
    __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
    return _mm256_mul_ps(p, _mm256_castsi256_ps(e));
}

/* softmax: exported entry point. */
void softmax(const float *x, float *y, long rows, long cols)
{
#pragma omp parallel for schedule(static)
    for (long r = 0; r < rows; ++r) {
        const float *xr = x + (size_t)r * (size_t)cols;
        float *yr = y + (size_t)r * (size_t)cols;
        /* pass 1: max */
        __m256 m0 = _mm256_set1_ps(-INFINITY), m1 = m0;
        long c = 0;
        for (; c + 16 <= cols; c += 16) {
            m0 = _mm256_max_ps(m0, _mm256_loadu_ps(xr + c));
            m1 = _mm256_max_ps(m1, _mm256_loadu_ps(xr + c + 8));
        }
        for (; c + 8 <= cols; c += 8)
            m0 = _mm256_max_ps(m0, _mm256_loadu_ps(xr + c));
        float mx = hmax256_ps(_mm256_max_ps(m0, m1));
        for (; c < cols; ++c)
            mx = xr[c] > mx ? xr[c] : mx;
        /* pass 2: exp and sum */
        const __m256 vmx = _mm256_set1_ps(mx);
        __m256 s = _mm256_setzero_ps();
        for (c = 0; c + 8 <= cols; c += 8) {
            __m256 e = exp256_ps(_mm256_sub_ps(_mm256_loadu_ps(xr + c), vmx));
            _mm256_storeu_ps(yr + c, e);
            s = _mm256_add_ps(s, e);
        }
        float sum = hsum256_ps(s);
        for (; c < cols; ++c) {
            yr[c] = expf(xr[c] - mx);
            sum += yr[c];
        }
        /* pass 3: normalise */
        const __m256 vinv = _mm256_set1_ps(1.0f / sum);
        for (c = 0; c + 8 <= cols; c += 8)
            _mm256_storeu_ps(yr + c, _mm256_mul_ps(_mm256_loadu_ps(yr + c), vinv));
        for (; c < cols; ++c)
            yr[c] *= 1.0f / sum;
    }
}
