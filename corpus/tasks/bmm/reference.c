/* bmm reference: scalar C, one i-k-j matmul per batch over 256-column strips of C
 * accumulated in double (vectorizable by the compiler; the oracle and the baseline). */

#define JB 256

void bmm(const float *a, const float *b, float *c, long batch, long m, long n, long k)
{
    double acc[JB];
    for (long t = 0; t < batch; t++) {
        const float *at = a + t * m * k;
        const float *bt = b + t * k * n;
        float *ct = c + t * m * n;
        for (long i = 0; i < m; i++) {
            const float *ai = at + i * k;
            float *ci = ct + i * n;
            for (long j0 = 0; j0 < n; j0 += JB) {
                long jn = n - j0 < JB ? n - j0 : JB;
                for (long j = 0; j < jn; j++)
                    acc[j] = 0.0;
                for (long p = 0; p < k; p++) {
                    double aip = (double)ai[p];
                    const float *bp = bt + p * n + j0;
                    for (long j = 0; j < jn; j++)
                        acc[j] += aip * (double)bp[j];
                }
                for (long j = 0; j < jn; j++)
                    ci[j0 + j] = (float)acc[j];
            }
        }
    }
}
