// What winograd_conv.c and winograd_weight_grad.c share: the numbering of tiles, the gathered
// row buffers and the input transform (see winograd_conv.c).
#ifndef PRN_CKERNELS_WINOGRAD_LAYOUT_H
#define PRN_CKERNELS_WINOGRAD_LAYOUT_H

// Rows of 2x2 tiles per sample, and tiles per row of tiles (one spare past the last).
static inline long tile_rows(long height, long padding) { return (height + 2 * padding - 1) / 2; }
static inline long tile_stride(long width, long padding) { return (width + 2 * padding - 1) / 2 + 1; }
// Floats per gathered plane of `tiles` tiles, with slack for the last vector's loads.
static inline long plane_size(long tiles) { return 2 * tiles + 16; }
static inline long round8(long n) { return (n + 7) / 8 * 8; }

// Distance between the rows of transformed values of a chunk: one cache line more than the
// chunk, so that the 16 x C rows a block walks through do not all fall into the same few sets
// of the L1 cache (with rows exactly a chunk long, 512 tiles at C = 16 put all 16 rows of a
// channel 32 KB apart, in one set).
static inline long chunk_row(long count) { return count + 16; }

// Zeros rows [from, to) of each of the 16 elements' blocks of a chunk (rows `ld` apart, blocks
// `e_stride` apart, `count` floats each): the padding rows that round a channel count up to a
// block's size.
static inline void zero_padding_rows(float *v, long e_stride, long from, long to, long ld, long count) {
    for (long e = 0; e < 16; e++)
        for (long r = from; r < to; r++)
            for (long t = 0; t < count; t++) v[e * e_stride + r * ld + t] = 0.0f;
}

#define EVENS(a, b) __builtin_shufflevector(a, b, 0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30)
#define ODDS(a, b) __builtin_shufflevector(a, b, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31)

// v [16][rows_per_e][ld] = B^T d B of tiles [first, first + count) (count a multiple of 16) of
// the gathered rows of `channels` channels; rows channels..rows_per_e-1 are zeros.
void prn_winograd_transform_inputs(const float *rows, float *v, long channels, long rows_per_e, long plane,
                                   long first, long count, long ld);

#endif
