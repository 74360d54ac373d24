// kb-launch: kernel=softmax global=256,rows local=256,1
// kb-build: -cl-std=CL1.2
/*
 * softmax_gpu.cl -- one work-group of 256 work-items per row, the row held in registers.
 *
 * What: y = exp(x - max) / sum(exp(x - max)) per row.
 * Technique (GPU): up to 16 elements per work-item stay in private registers (coalesced columns), a
 * local-memory max reduction, exponentials computed once and kept in registers, a sum reduction, one
 * scaled write. x is read once and y written once (8 bytes per element). Rows longer than 4096 re-read
 * the overflow from global memory.
 */
#define WG 256
#define PER_ITEM 16

__kernel __attribute__((reqd_work_group_size(WG, 1, 1)))
void softmax(__global const float *x, __global float *y, long rows, long cols)
{
    __local float scratch[WG];
    long r = get_global_id(1);
    int lid = get_local_id(0);
    if (r >= rows) return;
    __global const float *xr = x + r * cols;
    __global float *yr = y + r * cols;
    float v[PER_ITEM];
    float m = -INFINITY;
    for (int k = 0; k < PER_ITEM; k++) {
        long c = lid + (long)k * WG;
        v[k] = c < cols ? xr[c] : -INFINITY;
        m = fmax(m, v[k]);
    }
    for (long c = lid + (long)PER_ITEM * WG; c < cols; c += WG) m = fmax(m, xr[c]);
    scratch[lid] = m;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int s = WG / 2; s > 0; s >>= 1) {
        if (lid < s) scratch[lid] = fmax(scratch[lid], scratch[lid + s]);
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    m = scratch[0];
    barrier(CLK_LOCAL_MEM_FENCE);
    float s = 0.0f;
    for (int k = 0; k < PER_ITEM; k++) {
        long c = lid + (long)k * WG;
        v[k] = c < cols ? exp(v[k] - m) : 0.0f;
        s += v[k];
    }
    for (long c = lid + (long)PER_ITEM * WG; c < cols; c += WG) s += exp(xr[c] - m);
    scratch[lid] = s;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int t = WG / 2; t > 0; t >>= 1) {
        if (lid < t) scratch[lid] += scratch[lid + t];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    float inv = 1.0f / scratch[0];
    for (int k = 0; k < PER_ITEM; k++) {
        long c = lid + (long)k * WG;
        if (c < cols) yr[c] = v[k] * inv;
    }
    for (long c = lid + (long)PER_ITEM * WG; c < cols; c += WG) yr[c] = exp(xr[c] - m) * inv;
}
