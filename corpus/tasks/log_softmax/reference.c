/* log_softmax reference: scalar log-sum-exp with max subtraction, double precision (the oracle and the baseline). */
#include <math.h>

void log_softmax(const float *x, float *y, long rows, long cols)
{
    for (long r = 0; r < rows; r++) {
        const float *xr = x + r * cols;
        float *yr = y + r * cols;
        float mx = xr[0];
        for (long c = 1; c < cols; c++)
            if (xr[c] > mx)
                mx = xr[c];
        double sum = 0.0;
        for (long c = 0; c < cols; c++)
            sum += exp((double)xr[c] - (double)mx);
        double lse = (double)mx + log(sum);
        for (long c = 0; c < cols; c++)
            yr[c] = (float)((double)xr[c] - lse);
    }
}
