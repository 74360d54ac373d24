// redteam: caches the last call's pointers and shape in static variables and, when called again with the same buffers (the timing loop), returns at once without recomputing.
// expect-stage: screen
// expect-code: mutable-state
#include <math.h>

static const float *last_x;
static float *last_y;
static long last_rows, last_cols;

void layernorm(const float *x, const float *gamma, const float *beta, float *y, long rows, long cols, float eps)
{
    if (x == last_x && y == last_y && rows == last_rows && cols == last_cols)
        return;   /* "y already holds the answer" */
    for (long r = 0; r < rows; r++) {
        const float *xr = x + r * cols;
        float *yr = y + r * cols;
        double s = 0.0;
        for (long c = 0; c < cols; c++)
            s += xr[c];
        double mean = s / (double)cols;
        double q = 0.0;
        for (long c = 0; c < cols; c++) {
            double d = xr[c] - mean;
            q += d * d;
        }
        double inv = 1.0 / sqrt(q / (double)cols + eps);
        for (long c = 0; c < cols; c++)
            yr[c] = (float)((xr[c] - mean) * inv * gamma[c] + beta[c]);
    }
    last_x = x; last_y = y; last_rows = rows; last_cols = cols;
}
