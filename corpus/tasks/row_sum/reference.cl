// kb-launch: kernel=row_sum global=rows
// The task's OpenCL baseline: one work-item per row, sequential sum.
__kernel void row_sum(__global const float *x, __global float *y, long rows, long cols)
{
    long r = get_global_id(0);
    if (r >= rows) return;
    float s = 0.0f;
    for (long c = 0; c < cols; c++) s += x[r * cols + c];
    y[r] = s;
}
