// kb-launch: kernel=cross_entropy global=rows local=1
/*
 * cross_entropy.cl -- softmax cross-entropy per row from logits.
 *
 * loss[r] = logsumexp(x[r]) - x[r][labels[r]]  (= -log softmax(x[r])[label]).
 * One work-item per row, a single online pass over the row with a float4
 * running (max, sum) state, merged at the end.  Labels are int; an
 * out-of-range label yields NaN for that row.  Sizes are int.
 */

// cross_entropy: loss for row get_global_id(0).
__kernel void cross_entropy(__global const float *x, __global const int *labels,
                            __global float *loss, int rows, int cols)
{
    int r = (int)get_global_id(0);
    if (r >= rows)
        return;
    __global const float *xr = x + (size_t)r * (size_t)cols;
    int c4 = cols & ~3;
    float4 m4 = (float4)(-INFINITY), s4 = (float4)(0.0f);
    for (int c = 0; c < c4; c += 4) {
        float4 v = vload4(0, xr + c);
        float4 nm = fmax(m4, v);
        /* first step: m4 = -inf gives exp(-inf) = 0 and s4 stays 0 */
        s4 = mad(s4, exp(m4 - nm), exp(v - nm));
        m4 = nm;
    }
    float m = fmax(fmax(m4.x, m4.y), fmax(m4.z, m4.w));
    for (int c = c4; c < cols; ++c)
        m = fmax(m, xr[c]);
    float4 sw = (c4 > 0) ? s4 * exp(m4 - m) : (float4)(0.0f);
    float s = sw.x + sw.y + sw.z + sw.w;
    for (int c = c4; c < cols; ++c)
        s += exp(xr[c] - m);
    int t = labels[r];
    loss[r] = (t >= 0 && t < cols) ? m + log(s) - xr[t] : NAN;
}
