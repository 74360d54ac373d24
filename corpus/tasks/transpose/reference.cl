// kb-launch: kernel=transpose global=cols,rows
// The task's OpenCL baseline: one work-item per element, no local-memory tiling.
__kernel void transpose(__global const float *a, __global float *b, long rows, long cols)
{
    long c = get_global_id(0), r = get_global_id(1);
    if (r >= rows || c >= cols) return;
    b[c * rows + r] = a[r * cols + c];
}
