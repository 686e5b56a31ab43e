// The 8x8 transpose of AVX2-sized vectors, in shuffles (the sparse panels, the stem kernel's rows).
#ifndef PRN_CKERNELS_TRANSPOSE8_H
#define PRN_CKERNELS_TRANSPOSE8_H

#include "direct_conv_layout.h"

// Rows r[0..8] of 8 floats in, their columns out: c[j][i] = r[i][j]. Pairs of floats, then pairs
// of pairs, inside each 128-bit lane; then the lanes. Always inlined, so each clone of a kernel
// compiles it for its own instruction set.
static inline __attribute__((always_inline)) void transpose8(const v8 r[8], v8 c[8]) {
    v8 t[8], u[8];
    for (int i = 0; i < 8; i += 2) {
        t[i] = __builtin_shufflevector(r[i], r[i + 1], 0, 8, 1, 9, 4, 12, 5, 13);
        t[i + 1] = __builtin_shufflevector(r[i], r[i + 1], 2, 10, 3, 11, 6, 14, 7, 15);
    }
    for (int i = 0; i < 8; i += 4) {
        u[i] = __builtin_shufflevector(t[i], t[i + 2], 0, 1, 8, 9, 4, 5, 12, 13);
        u[i + 1] = __builtin_shufflevector(t[i], t[i + 2], 2, 3, 10, 11, 6, 7, 14, 15);
        u[i + 2] = __builtin_shufflevector(t[i + 1], t[i + 3], 0, 1, 8, 9, 4, 5, 12, 13);
        u[i + 3] = __builtin_shufflevector(t[i + 1], t[i + 3], 2, 3, 10, 11, 6, 7, 14, 15);
    }
    for (int i = 0; i < 4; i++) {
        c[i] = __builtin_shufflevector(u[i], u[i + 4], 0, 1, 2, 3, 8, 9, 10, 11);
        c[i + 4] = __builtin_shufflevector(u[i], u[i + 4], 4, 5, 6, 7, 12, 13, 14, 15);
    }
}

#endif
