// redteam: global=rows with local=64 is not a multiple of the work-group size for odd row counts.
// expect-stage: correctness
// expect-code: invalid-launch
// kb-launch: kernel=layernorm global=rows local=64
__kernel void layernorm(__global const float *x, __global const float *gamma, __global const float *beta, __global float *y, long rows, long cols, float eps)
{
    long r = get_global_id(0);
    if (r >= rows) return;
    __global const float *xr = x + r * cols;
    __global float *yr = y + r * cols;
    float shift = xr[0], s = 0.0f;
    for (long c = 0; c < cols; c++) s += xr[c] - shift;
    float mean = shift + s / (float)cols, q = 0.0f;
    for (long c = 0; c < cols; c++) { float d = xr[c] - mean; q += d * d; }
    float inv = 1.0f / sqrt(q / (float)cols + eps);
    for (long c = 0; c < cols; c++) yr[c] = (xr[c] - mean) * inv * gamma[c] + beta[c];
}
