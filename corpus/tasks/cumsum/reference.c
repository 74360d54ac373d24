/* cumsum reference: scalar inclusive prefix sum per row, double-precision running sum (the oracle and the baseline). */

void cumsum(const float *x, float *y, long rows, long cols)
{
    for (long r = 0; r < rows; r++) {
        const float *xr = x + r * cols;
        float *yr = y + r * cols;
        double s = 0.0;
        for (long c = 0; c < cols; c++) {
            s += (double)xr[c];
            yr[c] = (float)s;
        }
    }
}
