// redteam: prints from every work-item, flooding the log and distorting timings.
// expect-stage: screen
// expect-code: forbidden-call
// kb-launch: kernel=layernorm global=rows
__kernel void layernorm(__global const float *x, __global const float *gamma, __global const float *beta, __global float *y, long rows, long cols, float eps)
{
    printf("row %ld\n", (long)get_global_id(0));
}
