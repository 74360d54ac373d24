/* argmax reference: scalar, index of the first maximum of each row (the oracle and the baseline). */

void argmax(const float *x, long *idx, long rows, long cols)
{
    for (long r = 0; r < rows; r++) {
        const float *xr = x + r * cols;
        float best = xr[0];
        long bi = 0;
        for (long c = 1; c < cols; c++) {
            if (xr[c] > best) {
                best = xr[c];
                bi = c;
            }
        }
        idx[r] = bi;
    }
}
