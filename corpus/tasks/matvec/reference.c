/* matvec reference: scalar row dot products accumulated in double (the oracle and the baseline). */

void matvec(const float *a, const float *x, float *y, long m, long n)
{
    for (long i = 0; i < m; i++) {
        const float *ai = a + i * n;
        double s = 0.0;
        for (long j = 0; j < n; j++)
            s += (double)ai[j] * (double)x[j];
        y[i] = (float)s;
    }
}
