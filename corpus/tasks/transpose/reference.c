/* transpose reference: b[j][i] = a[i][j]; scalar, 32x32 tiles so the baseline is not dominated by cache misses. */

void transpose(const float *a, float *b, long rows, long cols)
{
    for (long i0 = 0; i0 < rows; i0 += 32) {
        long i1 = i0 + 32 < rows ? i0 + 32 : rows;
        for (long j0 = 0; j0 < cols; j0 += 32) {
            long j1 = j0 + 32 < cols ? j0 + 32 : cols;
            for (long i = i0; i < i1; i++)
                for (long j = j0; j < j1; j++)
                    b[j * rows + i] = a[i * cols + j];
        }
    }
}
