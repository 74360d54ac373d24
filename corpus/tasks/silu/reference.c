/* silu reference: scalar, double precision (the oracle and the baseline). */
#include <math.h>

void silu(const float *x, float *y, long n)
{
    for (long i = 0; i < n; i++) {
        double v = (double)x[i];
        /* v * sigmoid(v); exp(-v) overflowing to +inf gives -0, not NaN. */
        y[i] = (float)(v / (1.0 + exp(-v)));
    }
}
