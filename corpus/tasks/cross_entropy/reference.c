/* cross_entropy reference: scalar, double precision, max-subtracted logsumexp (the oracle and the baseline). */
#include <math.h>

void cross_entropy(const float *x, const int *labels, float *loss, long rows, long cols)
{
    for (long r = 0; r < rows; r++) {
        const float *xr = x + r * cols;
        double m = (double)xr[0];
        for (long c = 1; c < cols; c++)
            if ((double)xr[c] > m)
                m = (double)xr[c];
        double s = 0.0;
        for (long c = 0; c < cols; c++)
            s += exp((double)xr[c] - m);
        loss[r] = (float)(m + log(s) - (double)xr[labels[r]]);
    }
}
