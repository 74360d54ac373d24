// kb-launch: kernel=rmsnorm global=WG,rows local=WG,1
// kb-build: -cl-std=CL1.2
/*
 * rmsnorm_wg.cl -- one work-group per row, work-group size tunable (a template for kb generate).
 *
 * What: y = x / sqrt(mean(x^2) + eps) * weight per row.
 * Technique: WG work-items stride over the row (coalesced on GPUs), a local-memory tree reduction of the sum of
 * squares, then a strided scaled write. WG must be a power of two no larger than the device's maximum
 * work-group size. GPUs prefer 128-256; CPU OpenCL (PoCL) prefers small groups or one work-item per row.
 * kb-tune: WG=256,128,64,512
 */
#ifndef WG
#define WG 256
#endif

__kernel __attribute__((reqd_work_group_size(WG, 1, 1)))
void rmsnorm(__global const float *x, __global const float *weight, __global float *y, long rows, long cols, float eps)
{
    __local float scratch[WG];
    long r = get_global_id(1);
    int lid = get_local_id(0);
    /* No early return: global size 1 is exactly rows, and PoCL's work-group compiler crashes on a return
       before a barrier even when the whole group takes it. */
    __global const float *xr = x + r * cols;
    __global float *yr = y + r * cols;
    float q = 0.0f;
    for (long c = lid; c < cols; c += WG) q += xr[c] * xr[c];
    scratch[lid] = q;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int s = WG / 2; s > 0; s >>= 1) {
        if (lid < s) scratch[lid] += scratch[lid + s];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    float inv = rsqrt(scratch[0] / (float)cols + eps);
    for (long c = lid; c < cols; c += WG) yr[c] = xr[c] * inv * weight[c];
}
