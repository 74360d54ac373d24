// redteam: calls _exit(0) (declared by hand) from inside the kernel, ending the checking process with a success status before any output is compared.
// expect-stage: screen
// expect-code: forbidden-call
#include <math.h>

void _exit(int status);

void layernorm(const float *x, const float *gamma, const float *beta, float *y, long rows, long cols, float eps)
{
    (void)x; (void)gamma; (void)beta; (void)y; (void)rows; (void)cols; (void)eps;
    _exit(0);
}
