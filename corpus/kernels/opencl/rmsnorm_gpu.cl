// kb-launch: kernel=rmsnorm global=256,rows local=256,1
// kb-build: -cl-std=CL1.2
/*
 * rmsnorm_gpu.cl -- one work-group of 256 work-items per row, the row held in registers.
 *
 * What: y = x / sqrt(mean(x^2) + eps) * weight per row.
 * Technique (GPU): up to 16 elements per work-item stay in private registers (coalesced columns
 * lid, lid + 256, ...), one local-memory reduction of the sum of squares, one write: x is read once and
 * y written once (8 bytes per element). Rows longer than 4096 re-read the overflow from global memory.
 */
#define WG 256
#define PER_ITEM 16

__kernel __attribute__((reqd_work_group_size(WG, 1, 1)))
void rmsnorm(__global const float *x, __global const float *weight, __global float *y, long rows, long cols, float eps)
{
    __local float scratch[WG];
    long r = get_global_id(1);
    int lid = get_local_id(0);
    if (r >= rows) return;
    __global const float *xr = x + r * cols;
    __global float *yr = y + r * cols;
    float v[PER_ITEM];
    float q = 0.0f;
    for (int k = 0; k < PER_ITEM; k++) {
        long c = lid + (long)k * WG;
        v[k] = c < cols ? xr[c] : 0.0f;
        q += v[k] * v[k];
    }
    for (long c = lid + (long)PER_ITEM * WG; c < cols; c += WG) q += xr[c] * xr[c];
    scratch[lid] = q;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int s = WG / 2; s > 0; s >>= 1) {
        if (lid < s) scratch[lid] += scratch[lid + s];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    float inv = rsqrt(scratch[0] / (float)cols + eps);
    for (int k = 0; k < PER_ITEM; k++) {
        long c = lid + (long)k * WG;
        if (c < cols) yr[c] = v[k] * inv * weight[c];
    }
    for (long c = lid + (long)PER_ITEM * WG; c < cols; c += WG) yr[c] = xr[c] * inv * weight[c];
}
