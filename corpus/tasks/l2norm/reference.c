/* l2norm reference: scalar, double-precision sum of squares (the oracle and the baseline). */
#include <math.h>

void l2norm(const float *x, float *y, long rows, long cols, float eps)
{
    for (long r = 0; r < rows; r++) {
        const float *xr = x + r * cols;
        float *yr = y + r * cols;
        double sq = 0.0;
        for (long c = 0; c < cols; c++)
            sq += (double)xr[c] * (double)xr[c];
        double norm = sqrt(sq);
        double d = norm > (double)eps ? norm : (double)eps; /* max(||x||, eps) */
        for (long c = 0; c < cols; c++)
            yr[c] = (float)((double)xr[c] / d);
    }
}
