// CSR kernels for inference on unstructured-pruned weights (see include/CKernels.h).
#include "CKernels.h"
#include "clones.h"
#include "affine.h"
#include "transpose8.h"
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>


CLONES
void prn_csr_multiply(prn_csr a, long row_begin, long row_end, const float *restrict b, long n,
                      float *restrict c, long ldc, int accumulate) {
    for (long r = row_begin; r < row_end; r++) {
        float *restrict out = c + r * ldc;
        if (!accumulate) memset(out, 0, (size_t)n * sizeof(float));
        long k = a.row_start[r], end = a.row_start[r + 1];
        // Two nonzeros per pass halve the loads and stores of the output row.
        for (; k + 1 < end; k += 2) {
            const float v0 = a.values[k], v1 = a.values[k + 1];
            const float *restrict s0 = b + (long)a.column_index[k] * n;
            const float *restrict s1 = b + (long)a.column_index[k + 1] * n;
            for (long i = 0; i < n; i++) out[i] += v0 * s0[i] + v1 * s1[i];
        }
        if (k < end) {
            const float v = a.values[k];
            const float *restrict s = b + (long)a.column_index[k] * n;
            for (long i = 0; i < n; i++) out[i] += v * s[i];
        }
    }
}

// Panels of 16 samples: each nonzero weight is one 16-wide multiply-add (one AVX-512 register,
// two AVX2 ones) whose index and value loads serve 16 samples, and every transpose is made of
// 8x8 blocks of vector shuffles. Scalar transposes (or the scatters a vectoriser makes of them)
// cost more than the products here.
enum { PANEL = 16 };

// Helpers pass vectors through pointers and are always inlined, so each clone of the kernels
// compiles them for its own instruction set (a vector argument would fix one calling convention).
#define INLINE static inline __attribute__((always_inline))
#define LOAD8(p) ({ v8 v_; memcpy(&v_, (p), sizeof v_); v_; })
#define LOAD16(p) ({ v16 v_; memcpy(&v_, (p), sizeof v_); v_; })
#define STORE8(p, v) do { v8 w_ = (v); memcpy((p), &w_, sizeof w_); } while (0)

typedef int32_t vi16 __attribute__((vector_size(64), aligned(4)));

// max(v, 0) lane by lane as prn_relu_value computes it (NaN passes, -0 becomes +0).
INLINE void relu16(v16 *v) {
    const v16 zero = {0};
    *v = (v16)(~(vi16)(zero >= *v) & (vi16)*v);
}

// One output row over the panel: bias + sum of value * xt[column], four independent sums so
// the multiply-adds do not wait on each other; with `relu`, clamped.
INLINE void row_panel(prn_csr a, long o, float bias, int relu, const float *restrict xt, v16 *result) {
    v16 s0 = {0}, s1 = {0}, s2 = {0}, s3 = {0};
    long k = a.row_start[o], end = a.row_start[o + 1];
    for (; k + 3 < end; k += 4) {
        s0 += a.values[k] * LOAD16(xt + (long)a.column_index[k] * PANEL);
        s1 += a.values[k + 1] * LOAD16(xt + (long)a.column_index[k + 1] * PANEL);
        s2 += a.values[k + 2] * LOAD16(xt + (long)a.column_index[k + 2] * PANEL);
        s3 += a.values[k + 3] * LOAD16(xt + (long)a.column_index[k + 3] * PANEL);
    }
    for (; k < end; k++) s0 += a.values[k] * LOAD16(xt + (long)a.column_index[k] * PANEL);
    *result = (s0 + s1) + (s2 + s3) + bias;
    if (relu) relu16(result);
}

CLONES
static void linear_panel(prn_csr a, const float *restrict bias, int relu, const float *restrict x,
                         float *restrict y, long samples, float *restrict xt) {
    const long in = a.columns, out = a.rows;
    static const float zeros[8] = {0};
    // xt[j][s] = x[s][j], built from 8x8 blocks (samples 0-7, then 8-15); missing samples of a
    // short panel read as zero and are never stored.
    long j = 0;
    for (; j + 8 <= in; j += 8) {
        for (int half = 0; half < PANEL; half += 8) {
            v8 r[8], c[8];
            for (int s = 0; s < 8; s++) r[s] = LOAD8(half + s < samples ? x + (half + s) * in + j : zeros);
            transpose8(r, c);
            for (int i = 0; i < 8; i++) STORE8(xt + (j + i) * PANEL + half, c[i]);
        }
    }
    for (; j < in; j++)
        for (long s = 0; s < PANEL; s++) xt[j * PANEL + s] = s < samples ? x[s * in + j] : 0.0f;

    long o = 0;
    for (; o + 8 <= out; o += 8) {
        v16 r[8];
        for (int i = 0; i < 8; i++) row_panel(a, o + i, bias ? bias[o + i] : 0.0f, relu, xt, &r[i]);
        v8 lo[8], hi[8], c[8];
        for (int i = 0; i < 8; i++) {
            lo[i] = __builtin_shufflevector(r[i], r[i], 0, 1, 2, 3, 4, 5, 6, 7);
            hi[i] = __builtin_shufflevector(r[i], r[i], 8, 9, 10, 11, 12, 13, 14, 15);
        }
        transpose8(lo, c);  // c[s] = outputs o..o+8 of sample s
        for (long s = 0; s < samples && s < 8; s++) STORE8(y + s * out + o, c[s]);
        transpose8(hi, c);  // samples 8..15
        for (long s = 8; s < samples; s++) STORE8(y + s * out + o, c[s - 8]);
    }
    for (; o < out; o++) {
        v16 r;
        row_panel(a, o, bias ? bias[o] : 0.0f, relu, xt, &r);
        for (long s = 0; s < samples; s++) y[s * out + o] = r[s];
    }
}

void prn_csr_linear(prn_csr a, const float *bias, int relu, const float *x, float *y, long sample_begin,
                    long sample_end) {
    // The transposed panel is the thread's scratch (slot 0): allocated per call it would be mapped
    // and faulted in afresh every batch (glibc serves blocks this size with mmap).
    float *xt = prn_thread_scratch(0, a.columns * PANEL);
    if (!xt) abort();
    for (long s = sample_begin; s < sample_end; s += PANEL) {
        long samples = sample_end - s < PANEL ? sample_end - s : PANEL;
        linear_panel(a, bias, relu, x + s * a.columns, y + s * a.rows, samples, xt);
    }
}

// Threads share a batch's panels through one counter instead of fixed halves: a thread the
// scheduler runs late (the machine is shared, or busy with BLAS's threads) takes fewer panels
// and the others take the rest. Each panel is computed the same way whoever takes it, so the
// results do not depend on the split.
void prn_csr_linear_shared(prn_csr a, const float *bias, int relu, const float *x, float *y, long samples,
                           long *next_panel) {
    _Atomic long *next = (_Atomic long *)next_panel;
    for (;;) {
        long p = atomic_fetch_add_explicit(next, 1, memory_order_relaxed);
        long begin = p * PANEL;
        if (begin >= samples) return;
        prn_csr_linear(a, bias, relu, x, y, begin, begin + PANEL < samples ? begin + PANEL : samples);
    }
}

// One sample at a time, one output row at a time: the dot product of the row's nonzeros with
// the entries of x they name, gathered 16 at a time (one vgatherdps under AVX-512). Nothing is
// transposed and no panel is padded, so for a few samples this does only the nonzeros' work;
// the panels above pay a transpose of 16 samples however few there are.
INLINE float sum16(const v16 *v) {
    v8 h = __builtin_shufflevector(*v, *v, 0, 1, 2, 3, 4, 5, 6, 7) + __builtin_shufflevector(*v, *v, 8, 9, 10, 11, 12, 13, 14, 15);
    return ((h[0] + h[4]) + (h[1] + h[5])) + ((h[2] + h[6]) + (h[3] + h[7]));
}

CLONES
void prn_csr_linear_rows(prn_csr a, const float *restrict bias, int relu, const float *restrict x, float *restrict y,
                         long sample_begin, long sample_end, long row_begin, long row_end) {
    const long in = a.columns, out = a.rows;
    for (long s = sample_begin; s < sample_end; s++) {
        const float *restrict xs = x + s * in;
        float *restrict ys = y + s * out;
        for (long o = row_begin; o < row_end; o++) {
            long k = a.row_start[o];
            const long end = a.row_start[o + 1];
            v16 acc = {0};
            for (; k + 16 <= end; k += 16) {
                v16 g;
                for (int l = 0; l < 16; l++) g[l] = xs[a.column_index[k + l]];
                acc += LOAD16(a.values + k) * g;
            }
            float t0 = 0.0f, t1 = 0.0f;  // the row's last 0-15 nonzeros, two sums
            for (; k + 1 < end; k += 2) {
                t0 += a.values[k] * xs[a.column_index[k]];
                t1 += a.values[k + 1] * xs[a.column_index[k + 1]];
            }
            if (k < end) t0 += a.values[k] * xs[a.column_index[k]];
            const float v = (bias ? bias[o] : 0.0f) + sum16(&acc) + (t0 + t1);
            ys[o] = relu ? prn_relu_value(v) : v;
        }
    }
}

static inline uint32_t mix32(uint32_t x) {
    x ^= x >> 16;
    x *= 0x7feb352du;
    x ^= x >> 15;
    x *= 0x846ca68bu;
    return x ^ (x >> 16);
}

CLONES
void prn_fingerprint(const uint32_t *restrict bits, long count, uint32_t *plain, uint32_t *weighted) {
    // Sixteen lanes of Fletcher-style running sums (a += word; b += a), b weighting every word by
    // its position within its lane. Each word is mixed first (a bijective integer hash): summed
    // raw, flipping the sign bit of an even number of words adds a multiple of 2^32 to both sums,
    // so negating a weight went unseen.
    uint32_t a[16] = {0}, b[16] = {0};
    long i = 0;
    for (; i + 16 <= count; i += 16)
        for (int l = 0; l < 16; l++) {
            a[l] += mix32(bits[i + l]);
            b[l] += a[l];
        }
    for (; i < count; i++) {
        a[0] += mix32(bits[i]);
        b[0] += a[0];
    }
    uint32_t p = 0, w = 0;
    for (int l = 0; l < 16; l++) {
        p += a[l];
        w += b[l] * (2u * (uint32_t)l + 1u);  // lanes weighted differently, so a word moved between lanes counts
    }
    *plain = p;
    *weighted = w;
}
