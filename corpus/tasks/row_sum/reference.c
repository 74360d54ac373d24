/* row_sum reference: scalar, double-precision accumulation (the oracle and the baseline). */

void row_sum(const float *x, float *y, long rows, long cols)
{
    for (long r = 0; r < rows; r++) {
        const float *xr = x + r * cols;
        double s = 0.0;
        for (long c = 0; c < cols; c++)
            s += (double)xr[c];
        y[r] = (float)s;
    }
}
