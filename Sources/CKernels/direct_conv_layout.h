// What the convolution kernels share: the 16- and 8-float vectors, in-lane shuffles, and the
// sizes of direct_conv.c's padded-width grid.
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

// Shuffles of two 16-float vectors (the second's floats are 16-31) that stay inside each 128-bit
// lane, so they are one instruction per AVX2 half as per AVX-512 vector: PAIRS_* interleave the
// floats of each lane's low (or high) 64 bits, HALVES_* join the lanes' low (or high) 64 bits.
#define PAIRS_LO 0, 16, 1, 17, 4, 20, 5, 21, 8, 24, 9, 25, 12, 28, 13, 29
#define PAIRS_HI 2, 18, 3, 19, 6, 22, 7, 23, 10, 26, 11, 27, 14, 30, 15, 31
#define HALVES_LO 0, 1, 16, 17, 4, 5, 20, 21, 8, 9, 24, 25, 12, 13, 28, 29
#define HALVES_HI 2, 3, 18, 19, 6, 7, 22, 23, 10, 11, 26, 27, 14, 15, 30, 31

// Output rows, and positions on the padded-width grid rounded up to whole 16-float tiles.
static inline long out_rows(long height, long kernel, long padding) { return height + 2 * padding - kernel + 1; }
static inline long grid_row(long n) { return (n + 15) / 16 * 16; }

#endif
