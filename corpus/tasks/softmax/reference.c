/* softmax reference: scalar, max subtraction, double-precision exp and sum, y used as scratch (the oracle and the baseline). */
#include <math.h>

void softmax(const float *x, float *y, long rows, long cols)
{
    for (long r = 0; r < rows; r++) {
        const float *xr = x + r * cols;
        float *yr = y + r * cols;
        float mx = xr[0];
        for (long c = 1; c < cols; c++)
            if (xr[c] > mx)
                mx = xr[c];
        double sum = 0.0;
        for (long c = 0; c < cols; c++) {
            double e = exp((double)xr[c] - (double)mx);
            yr[c] = (float)e; /* y holds the exp values until the scale pass */
            sum += e;
        }
        double inv = 1.0 / sum;
        for (long c = 0; c < cols; c++)
            yr[c] = (float)((double)yr[c] * inv);
    }
}
