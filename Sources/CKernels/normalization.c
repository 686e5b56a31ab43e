// Batch-norm loops (see include/CKernels.h). In Swift they ran 8 floats wide as two SSE halves
// and without fused multiply-adds.
//
// The forward map a * x + b is rounded as a multiply and then an add (no fused multiply-add),
// so that a backward fused with the ReLU after the norm can recompute, from x, exactly which
// outputs the ReLU passed (see normalized_value).
#include "CKernels.h"
#include "clones.h"
#include "affine.h"

// a * x + b rounded twice, the same in the forward and in the backward that recomputes it.
static inline float normalized_value(float x, float a, float b) {
#pragma clang fp contract(off)
    return a * x + b;
}

// g where the ReLU after the norm passed its input (its output is positive), else 0: what
// prn_relu_backward gives from that ReLU's output.
static inline float passed_gradient(float g, float x, float a, float b) {
    return normalized_value(x, a, b) > 0.0f ? g : 0.0f;
}

CLONES
void prn_norm_forward(const float *restrict x, float *restrict y, long count, float a, float b, int relu) {
    if (relu) {
        for (long i = 0; i < count; i++) y[i] = prn_relu_value(normalized_value(x[i], a, b));
    } else {
        for (long i = 0; i < count; i++) y[i] = normalized_value(x[i], a, b);
    }
}

CLONES
void prn_norm_add_relu(const float *restrict x, const float *restrict r, float *restrict y, long count, float a,
                       float b, int relu) {
    if (relu) {
        for (long i = 0; i < count; i++) y[i] = prn_relu_value(normalized_value(x[i], a, b) + r[i]);
    } else {
        for (long i = 0; i < count; i++) y[i] = normalized_value(x[i], a, b) + r[i];
    }
}

// Float partial sums over one plane (the caller adds planes in double), 16 lanes wide.
CLONES
void prn_shifted_sums(const float *restrict x, long count, float shift, float *restrict sum,
                      float *restrict squares) {
    float s[16] = {0}, q[16] = {0};
    long i = 0;
    for (; i + 16 <= count; i += 16) {
        for (int l = 0; l < 16; l++) {
            const float d = x[i + l] - shift;
            s[l] += d;
            q[l] += d * d;
        }
    }
    float st = 0, qt = 0;
    for (int l = 0; l < 16; l++) { st += s[l]; qt += q[l]; }
    for (; i < count; i++) {
        const float d = x[i] - shift;
        st += d;
        qt += d * d;
    }
    *sum = st;
    *squares = qt;
}

// Float partial sums over one plane (the caller adds planes in double), 16 lanes wide. With
// `relu`, g is first masked by the ReLU that followed the forward map y = a * x + b.
static inline __attribute__((always_inline))
void sum_and_centered_dot(const float *restrict g, const float *restrict x, long count, float center,
                          int relu, float a, float b, float *restrict sum, float *restrict dot) {
    float s[16] = {0}, d[16] = {0};
    long i = 0;
    for (; i + 16 <= count; i += 16) {
        for (int l = 0; l < 16; l++) {
            const float gl = relu ? passed_gradient(g[i + l], x[i + l], a, b) : g[i + l];
            s[l] += gl;
            d[l] += gl * (x[i + l] - center);
        }
    }
    float st = 0, dt = 0;
    for (int l = 0; l < 16; l++) { st += s[l]; dt += d[l]; }
    for (; i < count; i++) {
        const float gi = relu ? passed_gradient(g[i], x[i], a, b) : g[i];
        st += gi;
        dt += gi * (x[i] - center);
    }
    *sum = st;
    *dot = dt;
}

CLONES
void prn_sum_and_centered_dot(const float *restrict g, const float *restrict x, long count, float center,
                              float *restrict sum, float *restrict dot) {
    sum_and_centered_dot(g, x, count, center, 0, 0.0f, 0.0f, sum, dot);
}

CLONES
void prn_sum_and_centered_dot_relu(const float *restrict g, const float *restrict x, long count, float center,
                                   float a, float b, float *restrict sum, float *restrict dot) {
    sum_and_centered_dot(g, x, count, center, 1, a, b, sum, dot);
}

CLONES
void prn_norm_input_gradient(const float *restrict g, const float *restrict x, float *restrict dx, long count,
                             float a, float k, float offset) {
    for (long i = 0; i < count; i++) dx[i] = a * g[i] - k * x[i] - offset;
}

CLONES
void prn_norm_input_gradient_relu(const float *restrict g, const float *restrict x, float *restrict dx, long count,
                                  float a, float k, float offset, float b) {
    for (long i = 0; i < count; i++) {
        const float gi = passed_gradient(g[i], x[i], a, b);
        dx[i] = a * gi - k * x[i] - offset;
    }
}
