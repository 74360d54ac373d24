/* gelu reference (tanh approximation): scalar, double precision (the oracle and the baseline). */
#include <math.h>

void gelu(const float *x, float *y, long n)
{
    const double k = 0.7978845608028654; /* sqrt(2/pi) */
    for (long i = 0; i < n; i++) {
        double v = (double)x[i];
        double u = k * (v + 0.044715 * v * v * v);
        /* 0.5 v (1 + tanh(u)) == v / (1 + exp(-2u)); this form has no cancellation for
           negative v and gives -0 (not NaN) when exp overflows to +inf. */
        y[i] = (float)(v / (1.0 + exp(-2.0 * u)));
    }
}
