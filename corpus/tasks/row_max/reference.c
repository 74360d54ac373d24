/* row_max reference: scalar maximum of each row (exact; the oracle and the baseline). */

void row_max(const float *x, float *y, long rows, long cols)
{
    for (long r = 0; r < rows; r++) {
        const float *xr = x + r * cols;
        float m = xr[0];
        for (long c = 1; c < cols; c++)
            if (xr[c] > m)
                m = xr[c];
        y[r] = m;
    }
}
