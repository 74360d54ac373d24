// kb-launch: kernel=matmul global=n,m
// The task's OpenCL baseline: one work-item per output element, no tiling.
__kernel void matmul(__global const float *a, __global const float *b, __global float *c, long m, long n, long k)
{
    long j = get_global_id(0), i = get_global_id(1);
    if (i >= m || j >= n) return;
    float acc = 0.0f;
    for (long p = 0; p < k; p++) acc += a[i * k + p] * b[p * n + j];
    c[i * n + j] = acc;
}
