// redteam: drops the eps argument, so the kernel's arguments do not match the task's.
// expect-stage: correctness
// expect-code: signature-mismatch
// kb-launch: kernel=layernorm global=rows
__kernel void layernorm(__global const float *x, __global const float *gamma, __global const float *beta, __global float *y, long rows, long cols)
{
    long r = get_global_id(0);
    if (r < rows) y[r * cols] = x[r * cols] + gamma[0] + beta[0];
}
