// kb-launch: kernel=softmax global=rows
// The task's OpenCL baseline: one work-item per row, three passes (max, sum of exp, scale).
__kernel void softmax(__global const float *x, __global float *y, long rows, long cols)
{
    long r = get_global_id(0);
    if (r >= rows) return;
    __global const float *xr = x + r * cols;
    __global float *yr = y + r * cols;
    float m = -INFINITY;
    for (long c = 0; c < cols; c++) m = fmax(m, xr[c]);
    float s = 0.0f;
    for (long c = 0; c < cols; c++) { float e = exp(xr[c] - m); yr[c] = e; s += e; }
    float inv = 1.0f / s;
    for (long c = 0; c < cols; c++) yr[c] *= inv;
}
