// kb-launch: kernel=layernorm global=256,rows local=256,1
// kb-build: -cl-std=CL1.2
/*
 * layernorm_gpu.cl -- one work-group of 256 work-items per row, the row held in registers.
 *
 * What: y = (x - mean) / sqrt(var + eps) * gamma + beta per row (biased variance).
 *
 * Technique (GPU):
 *   - Each work-item keeps up to PER_ITEM = 16 elements of its row in private registers
 *     (columns lid, lid + 256, ...), so x is read from global memory exactly once and y written once:
 *     8 bytes of DRAM traffic per element, the copy-bandwidth bound. Accesses are coalesced: neighbouring
 *     work-items touch neighbouring columns.
 *   - Two work-group reductions (sum, then sum of squared deviations around the mean) through local memory:
 *     two-pass keeps the variance accurate under a large common offset.
 *   - Rows longer than 256 * 16 columns re-read the overflow from global memory (correct for any cols).
 * On CPU OpenCL (PoCL) the barriers make this slower than one work-item per row; it is written for GPUs.
 */
#define WG 256
#define PER_ITEM 16

static float group_sum(float v, __local float *scratch)
{
    int lid = get_local_id(0);
    scratch[lid] = v;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int s = WG / 2; s > 0; s >>= 1) {
        if (lid < s) scratch[lid] += scratch[lid + s];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    float total = scratch[0];
    barrier(CLK_LOCAL_MEM_FENCE);
    return total;
}

__kernel __attribute__((reqd_work_group_size(WG, 1, 1)))
void layernorm(__global const float *x, __global const float *gamma, __global const float *beta,
               __global float *y, long rows, long cols, float eps)
{
    __local float scratch[WG];
    long r = get_global_id(1);
    int lid = get_local_id(0);
    if (r >= rows) return;                 /* whole work-group leaves together: no barrier divergence */
    __global const float *xr = x + r * cols;
    __global float *yr = y + r * cols;
    float v[PER_ITEM];
    float s = 0.0f;
    for (int k = 0; k < PER_ITEM; k++) {
        long c = lid + (long)k * WG;
        v[k] = c < cols ? xr[c] : 0.0f;
        s += v[k];
    }
    for (long c = lid + (long)PER_ITEM * WG; c < cols; c += WG) s += xr[c];
    float mean = group_sum(s, scratch) / (float)cols;
    float q = 0.0f;
    for (int k = 0; k < PER_ITEM; k++) {
        long c = lid + (long)k * WG;
        float d = v[k] - mean;
        q += c < cols ? d * d : 0.0f;
    }
    for (long c = lid + (long)PER_ITEM * WG; c < cols; c += WG) { float d = xr[c] - mean; q += d * d; }
    float inv = rsqrt(group_sum(q, scratch) / (float)cols + eps);
    for (int k = 0; k < PER_ITEM; k++) {
        long c = lid + (long)k * WG;
        if (c < cols) yr[c] = (v[k] - mean) * inv * gamma[c] + beta[c];
    }
    for (long c = lid + (long)PER_ITEM * WG; c < cols; c += WG) yr[c] = (xr[c] - mean) * inv * gamma[c] + beta[c];
}
