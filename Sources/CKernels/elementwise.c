// Element-wise loops of the engine's layers (see include/CKernels.h).
#include "CKernels.h"
#include "clones.h"
#include "affine.h"


CLONES
void prn_relu(const float *restrict x, float *restrict y, long count) {
    for (long i = 0; i < count; i++) y[i] = prn_relu_value(x[i]);
}

CLONES
void prn_add_relu(const float *a, const float *b, float *y, long count, int relu) {
    if (relu) {
        for (long i = 0; i < count; i++) y[i] = prn_relu_value(a[i] + b[i]);
    } else {
        for (long i = 0; i < count; i++) y[i] = a[i] + b[i];
    }
}

CLONES
void prn_affine_relu(const float *src, float *dst, long count, float scale, float shift, int relu) {
    prn_affine_relu_run(src, dst, count, scale, shift, relu);
}

CLONES
void prn_relu_backward(const float *restrict y, const float *restrict dy, float *restrict dx, long count) {
    for (long i = 0; i < count; i++) dx[i] = y[i] > 0.0f ? dy[i] : 0.0f;
}
