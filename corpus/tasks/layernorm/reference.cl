// kb-launch: kernel=layernorm global=rows
// The task's OpenCL baseline: one work-item per row, two passes, no vectors, no local memory.
__kernel void layernorm(__global const float *x, __global const float *gamma, __global const float *beta,
                        __global float *y, long rows, long cols, float eps)
{
    long r = get_global_id(0);
    if (r >= rows) return;
    __global const float *xr = x + r * cols;
    __global float *yr = y + r * cols;
    float shift = xr[0], sum = 0.0f;   /* shifted sum: exact enough even with a large common offset */
    for (long c = 0; c < cols; c++) sum += xr[c] - shift;
    float mean = shift + sum / (float)cols;
    float sq = 0.0f;
    for (long c = 0; c < cols; c++) { float d = xr[c] - mean; sq += d * d; }
    float inv = 1.0f / sqrt(sq / (float)cols + eps);
    for (long c = 0; c < cols; c++) yr[c] = (xr[c] - mean) * inv * gamma[c] + beta[c];
}
