// Batch-norm backward loops (see include/CKernels.h). In Swift they ran 8 floats wide as two SSE
// halves and without fused multiply-adds.
#include "CKernels.h"
#include "clones.h"

CLONES
void prn_sum_and_centered_dot(const float *restrict g, const float *restrict x, long count, float center,
                              float *restrict sum, float *restrict dot) {
    // Float partial sums over one plane (the caller adds planes in double), 16 lanes wide.
    float s[16] = {0}, d[16] = {0};
    long i = 0;
    for (; i + 16 <= count; i += 16) {
        for (int l = 0; l < 16; l++) {
            s[l] += g[i + l];
            d[l] += g[i + l] * (x[i + l] - center);
        }
    }
    float st = 0, dt = 0;
    for (int l = 0; l < 16; l++) { st += s[l]; dt += d[l]; }
    for (; i < count; i++) { st += g[i]; dt += g[i] * (x[i] - center); }
    *sum = st;
    *dot = dt;
}

CLONES
void prn_norm_input_gradient(const float *restrict g, const float *restrict x, float *restrict dx, long count,
                             float a, float k, float offset) {
    for (long i = 0; i < count; i++) dx[i] = a * g[i] - k * x[i] - offset;
}
