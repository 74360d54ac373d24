// kb-launch: kernel=matmul global=m local=1
/*
 * matmul_rows.cl -- CPU-oriented matmul: one work-item computes one full row
 * of C, 32 columns at a time in eight float4 register accumulators.
 * A is m x k, B is k x n, C is m x n, row-major; sizes are int.
 *
 * Why this mapping on PoCL: there are no barriers and no local memory, so
 * the work-group (of one work-item) compiles to a plain loop nest that runs
 * on one CPU thread; the compiler sees the float4 arithmetic directly and
 * emits SIMD FMAs.  For a 32-column strip the inner loop over p broadcasts
 * a[i][p] and multiplies it into eight vload4's of row p of B: 8 independent
 * accumulation chains, B rows streamed with unit stride (prefetch friendly),
 * and the strip of C kept in registers for the whole k loop.  B is re-read
 * once per row of A; blocking several rows per work-item would cut that, at
 * the cost of more registers.  Remaining columns (n % 32) are done 4 and then
 * 1 at a time.
 */

// matmul: row get_global_id(0) of C = A * B.
__kernel void matmul(__global const float *a, __global const float *b, __global float *c,
                     int m, int n, int k)
{
    int i = (int)get_global_id(0);
    if (i >= m)
        return;
    __global const float *ar = a + (size_t)i * (size_t)k;
    __global float *cr = c + (size_t)i * (size_t)n;
    int j = 0;
    for (; j + 32 <= n; j += 32) {
        float4 c0 = 0.0f, c1 = 0.0f, c2 = 0.0f, c3 = 0.0f;
        float4 c4 = 0.0f, c5 = 0.0f, c6 = 0.0f, c7 = 0.0f;
        for (int p = 0; p < k; ++p) {
            __global const float *bp = b + (size_t)p * (size_t)n + j;
            float av = ar[p];
            c0 = mad((float4)av, vload4(0, bp), c0);
            c1 = mad((float4)av, vload4(1, bp), c1);
            c2 = mad((float4)av, vload4(2, bp), c2);
            c3 = mad((float4)av, vload4(3, bp), c3);
            c4 = mad((float4)av, vload4(4, bp), c4);
            c5 = mad((float4)av, vload4(5, bp), c5);
            c6 = mad((float4)av, vload4(6, bp), c6);
            c7 = mad((float4)av, vload4(7, bp), c7);
        }
        vstore4(c0, 0, cr + j);
        vstore4(c1, 1, cr + j);
        vstore4(c2, 2, cr + j);
        vstore4(c3, 3, cr + j);
        vstore4(c4, 4, cr + j);
        vstore4(c5, 5, cr + j);
        vstore4(c6, 6, cr + j);
        vstore4(c7, 7, cr + j);
    }
    for (; j + 4 <= n; j += 4) {
        float4 acc = 0.0f;
        for (int p = 0; p < k; ++p)
            acc = mad((float4)ar[p], vload4(0, b + (size_t)p * (size_t)n + j), acc);
        vstore4(acc, 0, cr + j);
    }
    for (; j < n; ++j) {
        float acc = 0.0f;
        for (int p = 0; p < k; ++p)
            acc = mad(ar[p], b[(size_t)p * (size_t)n + j], acc);
        cr[j] = acc;
    }
}
