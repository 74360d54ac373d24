// redteam: only normalizes even rows.
// expect-stage: correctness
// expect-code: unwritten-output
// kb-launch: kernel=layernorm global=rows
__kernel void layernorm(__global const float *x, __global const float *gamma, __global const float *beta, __global float *y, long rows, long cols, float eps)
{
    long r = get_global_id(0);
    if (r >= rows || (r & 1)) return;
    __global const float *xr = x + r * cols;
    __global float *yr = y + r * cols;
    float shift = xr[0], s = 0.0f;
    for (long c = 0; c < cols; c++) s += xr[c] - shift;
    float mean = shift + s / (float)cols, q = 0.0f;
    for (long c = 0; c < cols; c++) { float d = xr[c] - mean; q += d * d; }
    float inv = 1.0f / sqrt(q / (float)cols + eps);
    for (long c = 0; c < cols; c++) yr[c] = (xr[c] - mean) * inv * gamma[c] + beta[c];
}
