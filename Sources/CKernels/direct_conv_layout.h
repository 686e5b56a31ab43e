// What direct_conv.c and direct_conv_weight_grad.c share: the 16- and 8-float vectors and the sizes of
// the padded-width grid.
#ifndef PRN_CKERNELS_DIRECT_CONV_LAYOUT_H
#define PRN_CKERNELS_DIRECT_CONV_LAYOUT_H

// 16 floats at any float-aligned address (loads and stores through it are unaligned ones). No
// helper functions take or return it by value: passing a 64-byte vector that way would change
// the ABI of the clones built without AVX-512.
typedef float v16 __attribute__((vector_size(64), aligned(4)));
#define load16(p) (*(const v16 *)(p))
#define store16(p, v) (*(v16 *)(p) = (v))
// 8 floats, one AVX2 register.
typedef float v8 __attribute__((vector_size(32), aligned(4)));

// Output rows, and positions on the padded-width grid rounded up to whole 16-float tiles.
static inline long out_rows(long height, long kernel, long padding) { return height + 2 * padding - kernel + 1; }
static inline long grid_row(long n) { return (n + 15) / 16 * 16; }

#endif
