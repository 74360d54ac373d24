// kb-launch: kernel=log_softmax global=rows local=1
/*
 * log_softmax.cl -- log-softmax via log-sum-exp, one work-item per row.
 *
 * y = x - (m + log(sum exp(x - m))), m = row max.  Computing in log space
 * keeps very negative logits finite (log(softmax) would give log(0) = -inf)
 * and makes the output pass a single subtraction per element.  Statistics
 * use the online rule (running max, sum rescaled by exp(old - new)) so the
 * row is read once for statistics and once for output.  Sizes are int.
 */

// log_softmax: row get_global_id(0).
__kernel void log_softmax(__global const float *x, __global float *y, int rows, int cols)
{
    int r = (int)get_global_id(0);
    if (r >= rows)
        return;
    __global const float *xr = x + (size_t)r * (size_t)cols;
    __global float *yr = y + (size_t)r * (size_t)cols;

    float m = xr[0], s = 1.0f;
    for (int c = 1; c < cols; ++c) {
        float v = xr[c];
        if (v > m) {
            s = mad(s, exp(m - v), 1.0f);
            m = v;
        } else {
            s += exp(v - m);
        }
    }
    float lse = m + log(s);

    int c4 = cols & ~3;
    for (int c = 0; c < c4; c += 4)
        vstore4(vload4(0, xr + c) - lse, 0, yr + c);
    for (int c = c4; c < cols; ++c)
        yr[c] = xr[c] - lse;
}
