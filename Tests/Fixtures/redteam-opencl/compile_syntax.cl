// redteam: a syntax error: the build log must come back.
// expect-stage: compile
// expect-code: compile-error
// kb-launch: kernel=layernorm global=rows
__kernel void layernorm(__global const float *x, __global const float *gamma, __global const float *beta, __global float *y, long rows, long cols, float eps)
{
    long r = get_global_id(0)
}
