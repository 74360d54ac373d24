// kb-launch: kernel=rmsnorm global=rows
// The task's OpenCL baseline: one work-item per row, no vectors, no local memory.
__kernel void rmsnorm(__global const float *x, __global const float *weight, __global float *y, long rows, long cols, float eps)
{
    long r = get_global_id(0);
    if (r >= rows) return;
    __global const float *xr = x + r * cols;
    __global float *yr = y + r * cols;
    float sq = 0.0f;
    for (long c = 0; c < cols; c++) sq += xr[c] * xr[c];
    float inv = 1.0f / sqrt(sq / (float)cols + eps);
    for (long c = 0; c < cols; c++) yr[c] = xr[c] * inv * weight[c];
}
