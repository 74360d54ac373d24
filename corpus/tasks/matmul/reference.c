/* matmul reference: scalar C, i-k-j loop order over a 256-column strip of C
 * accumulated in double (vectorizable by the compiler; the oracle and the baseline). */

#define JB 256

void matmul(const float *a, const float *b, float *c, long m, long n, long k)
{
    double acc[JB];
    for (long i = 0; i < m; i++) {
        const float *ai = a + i * k;
        float *ci = c + i * n;
        for (long j0 = 0; j0 < n; j0 += JB) {
            long jn = n - j0 < JB ? n - j0 : JB;
            for (long j = 0; j < jn; j++)
                acc[j] = 0.0;
            for (long p = 0; p < k; p++) {
                double aip = (double)ai[p];
                const float *bp = b + p * n + j0;
                for (long j = 0; j < jn; j++)
                    acc[j] += aip * (double)bp[j];
            }
            for (long j = 0; j < jn; j++)
                ci[j0 + j] = (float)acc[j];
        }
    }
}
