// kb-launch: kernel=layernorm global=rows
// kb-build: -cl-std=CL1.2
/*
 * layernorm_cpu.cl -- one work-item per row with explicit float16 vectors, for CPU OpenCL (PoCL).
 *
 * What: y = (x - mean) / sqrt(var + eps) * gamma + beta per row (biased variance).
 * Technique (CPU devices): a CPU OpenCL runtime maps work-items to loop iterations and vectorizes across
 * work-items; rows of 4096 floats are long and independent, so each work-item takes a whole row and does its
 * own SIMD with vload16/vstore16 (16 lanes = one AVX-512 register) and two independent accumulators. The
 * reductions stay ordered per lane, so no fast-math is needed. Tails use scalar code. Two-pass (mean, then the
 * sum of squared deviations) survives a large common offset.
 */
__kernel void layernorm(__global const float *x, __global const float *gamma, __global const float *beta,
                        __global float *y, long rows, long cols, float eps)
{
    long r = get_global_id(0);
    if (r >= rows) return;
    __global const float *xr = x + r * cols;
    __global float *yr = y + r * cols;
    long vec = cols / 16;
    float shift = xr[0];   /* shifted sums stay accurate under a large common offset */
    float16 s0 = 0.0f, s1 = 0.0f;
    long i = 0;
    for (; i + 1 < vec; i += 2) { s0 += vload16(i, xr) - shift; s1 += vload16(i + 1, xr) - shift; }
    for (; i < vec; i++) s0 += vload16(i, xr) - shift;
    float16 s = s0 + s1;
    float sum = s.s0 + s.s1 + s.s2 + s.s3 + s.s4 + s.s5 + s.s6 + s.s7 + s.s8 + s.s9 + s.sa + s.sb + s.sc + s.sd + s.se + s.sf;
    for (long c = vec * 16; c < cols; c++) sum += xr[c] - shift;
    float mean = shift + sum / (float)cols;
    float16 q0 = 0.0f, q1 = 0.0f;
    for (i = 0; i + 1 < vec; i += 2) {
        float16 d0 = vload16(i, xr) - mean, d1 = vload16(i + 1, xr) - mean;
        q0 += d0 * d0;
        q1 += d1 * d1;
    }
    for (; i < vec; i++) { float16 d = vload16(i, xr) - mean; q0 += d * d; }
    float16 q = q0 + q1;
    float sq = q.s0 + q.s1 + q.s2 + q.s3 + q.s4 + q.s5 + q.s6 + q.s7 + q.s8 + q.s9 + q.sa + q.sb + q.sc + q.sd + q.se + q.sf;
    for (long c = vec * 16; c < cols; c++) { float d = xr[c] - mean; sq += d * d; }
    float inv = rsqrt(sq / (float)cols + eps);
    for (i = 0; i < vec; i++) vstore16((vload16(i, xr) - mean) * inv * vload16(i, gamma) + vload16(i, beta), i, yr);
    for (long c = vec * 16; c < cols; c++) yr[c] = (xr[c] - mean) * inv * gamma[c] + beta[c];
}
