// Hot inner loops of the engine written in C so that each is compiled several times, for
// AVX-512, for AVX2+FMA and for baseline x86-64, and the loader picks the best version for the
// running CPU (clang's target_clones). Swift code is compiled for the baseline only, where these
// loops would run with 4-wide SSE2 and no fused multiply-add.
#ifndef PRN_CKERNELS_H
#define PRN_CKERNELS_H

#include <stdint.h>

#include "CKernelsPool.h"

/// A matrix in compressed sparse row form: row r's nonzeros are row_start[r]..<row_start[r+1]
/// of column_index and values, in column order.
typedef struct {
    const int32_t *row_start;
    const int32_t *column_index;
    const float *values;
    long rows;
    long columns;
} prn_csr;

/// C[r, 0..<n] (+)= sum_j A[r, j] * B[j, 0..<n] for r in [row_begin, row_end); B has row stride
/// n, C row stride ldc. Without `accumulate` the rows of C are overwritten.
void prn_csr_multiply(prn_csr a, long row_begin, long row_end, const float *b, long n, float *c,
                      long ldc, int accumulate);

/// y[s, 0..<rows] = bias + A * x[s, 0..<columns] for the samples s in [sample_begin, sample_end)
/// of a row-major batch (x row stride A.columns, y row stride A.rows); bias may be NULL. With
/// `relu` each output is max(., 0) as prn_relu computes it (Linear -> ReLU fused in eval).
/// Samples are taken in panels of 16 held transposed in a scratch buffer, so each nonzero of A
/// is one vector multiply-add over 16 samples with the sums kept in registers.
void prn_csr_linear(prn_csr a, const float *bias, int relu, const float *x, float *y, long sample_begin,
                    long sample_end);

/// prn_csr_linear over samples [0, samples), the panels handed out one at a time through
/// *next_panel (start it at 0): every thread of a parallel loop calls this with the same
/// counter and takes panels until none is left.
void prn_csr_linear_shared(prn_csr a, const float *bias, int relu, const float *x, float *y, long samples,
                           long *next_panel);

/// The same product without panels: y[s, o] = bias[o] + sum of A[o, j] * x[s, j] over the
/// nonzeros of row o, for the samples in [sample_begin, sample_end) and the rows in
/// [row_begin, row_end). Work is the nonzeros alone (x is gathered, nothing transposed), which
/// is what a batch of one or a few samples needs. `relu` as in prn_csr_linear.
void prn_csr_linear_rows(prn_csr a, const float *bias, int relu, const float *x, float *y, long sample_begin,
                         long sample_end, long row_begin, long row_end);

/// The column matrix of one sample [channels, height, width] of a square-kernel convolution:
/// row (c*kernel + ki)*kernel + kj holds x[c, oh*stride - padding + ki, ow*stride - padding + kj]
/// for every output position (0 outside the image); rows are `ld` floats apart (>= OH*OW, so
/// several samples can sit side by side).
void prn_im2col(const float *x, float *col, long channels, long height, long width, long kernel,
                long stride, long padding, long ld);
/// prn_im2col for the rows of (channel, kernel row) pairs first_pair..first_pair+pair_count-1
/// only (pair r is rows r*kernel..r*kernel+kernel-1 of col): threads can split one sample's matrix.
void prn_im2col_rows(const float *x, float *col, long channels, long height, long width, long kernel, long stride,
                     long padding, long ld, long first_pair, long pair_count);

/// The adjoint of prn_im2col: dx[c, ih, iw] = the sum of the column entries im2col copied from
/// (c, ih, iw). dx is overwritten (no zeroing needed); col's rows are `ld` floats apart.
void prn_col2im(const float *col, float *dx, long channels, long height, long width, long kernel,
                long stride, long padding, long ld);

/// A stride-2 convolution's input as the input of a stride-1 one (see Conv2d's `phaseSplit`):
/// out[(c*2 + a)*2 + b][i][j] = x[c][2i + a - padding][2j + b - padding] (zero outside x), for
/// i < out_height, j < out_width, laid out as prn_direct_conv_pad lays out a padding-0 input
/// (one zero row after each plane, 16 zeros after the last): prn_direct_conv_padded_size(4 *
/// channels, out_height, out_width, 0) floats. Writes output planes [first_plane, first_plane +
/// plane_count) of the 4 * channels (the last one also the trailing zeros).
void prn_phase_split2(const float *x, float *out, long channels, long height, long width, long padding,
                      long out_height, long out_width, long first_plane, long plane_count);
/// A pointwise stride-2 convolution's input as the input of a pointwise stride-1 one (see
/// Conv2d's `subsampledPointwise`): out[c][i][j] = x[c][2i][2j] for i < out_height, j <
/// out_width, in the same layout (prn_direct_conv_padded_size(channels, out_height, out_width,
/// 0) floats). Writes planes [first, first + count) (the last one also the trailing zeros).
void prn_subsample2(const float *x, float *out, long channels, long height, long width, long out_height,
                    long out_width, long first, long count);

/// A stride-2 convolution of 1 to 4 input channels, any kernel size (an image
/// network's stem; see strided_conv.c), one sample x [channels, height, width] read in place
/// (the padding is implied). `weight` is the layer's weight [outs, channels, k, k] rearranged by
/// prn_strided_conv_weight (prn_strided_conv_weight_size floats). Writes output rows [row_first,
/// row_first + row_count) of y [outs, out_height, out_width] = scale * conv + shift (then ReLU),
/// scale/shift NULL for 1 and 0, so threads given disjoint rows write disjoint parts of y.
/// `scratch`: prn_strided_conv_scratch_size floats for the call.
int prn_strided_conv_applies(long channels, long kernel, long stride);
long prn_strided_conv_weight_size(long outs, long channels, long kernel);
void prn_strided_conv_weight(const float *w, long outs, long channels, long kernel, float *out);
long prn_strided_conv_scratch_size(long channels, long kernel, long out_width, long outs);
void prn_strided_conv_rows(const float *x, const float *weight, float *y, long channels, long height, long width,
                           long kernel, long padding, long outs, long out_height, long out_width, long row_first,
                           long row_count, const float *scale, const float *shift, int relu, float *scratch);

/// Direct convolution of one sample for stride 1 (any padding up to kernel - 1), without a
/// column matrix (see direct_conv.c). Buffers: `padded` of prn_direct_conv_padded_size floats,
/// filled by prn_direct_conv_pad from x [C, H, W]; `weight_t` the weight in blocks of 8 output
/// channels, [outs/8 rounded up][C*k*k][8] (zeros in the extra channels), so that each block's
/// weights are read in order. Writes y [outs, OH, OW] = scale * conv + shift (then ReLU), where
/// scale/shift may be NULL (1 and 0). OH = H + 2p - k + 1, likewise OW. `phase_kernel`: 0, or
/// for the weight of a phase-split stride-2 convolution (4C phase channels, kernel ceil(k0/2))
/// its original kernel k0, whose zero taps (2u + a >= k0 in a phase) are then skipped.
long prn_direct_conv_padded_size(long channels, long height, long width, long padding);
void prn_direct_conv_pad(const float *x, float *padded, long channels, long height, long width, long padding);
void prn_direct_conv(const float *padded, const float *weight_t, float *y, long channels, long height, long width,
                     long kernel, long padding, long outs, long phase_kernel, const float *scale, const float *shift,
                     int relu);
/// The kernel computes on a grid of prn_direct_conv_positions positions (the output rows at the
/// padded width, rounded up to 16). prn_direct_conv_part writes output channels [out_first,
/// out_first + out_count) (out_first a multiple of 8) at grid positions [pos_first, pos_first +
/// pos_count) (both multiples of 32, the range clipped to the grid) of prn_direct_conv: threads
/// that split one sample's channels or positions that way write disjoint parts of y.
long prn_direct_conv_positions(long height, long width, long kernel, long padding);
void prn_direct_conv_part(const float *padded, const float *weight_t, float *y, long channels, long height,
                          long width, long kernel, long padding, long outs, long phase_kernel, long out_first,
                          long out_count, long pos_first, long pos_count, const float *scale, const float *shift,
                          int relu);

/// The weight gradient of a stride-1 3x3 convolution (padding 0-2) without a column matrix (see
/// direct_conv_weight_grad.c): dw [outs, C, 3, 3] += the products of `samples` samples, sample s's
/// input at padded + s * padded_stride (prn_direct_conv_pad's layout) and its output gradient at
/// dy_grid + s * grid_stride (prn_direct_conv_dy_grid's layout: dy [outs, OH, OW] at the padded
/// width, zeros past each row, prn_direct_conv_dy_grid_size floats).
long prn_direct_conv_dy_grid_size(long outs, long height, long width, long padding);
void prn_direct_conv_dy_grid(const float *dy, float *grid, long outs, long height, long width, long padding);
void prn_direct_conv_weight_grad(const float *padded, long padded_stride, const float *dy_grid, long grid_stride,
                                 long samples, float *dw, long channels, long height, long width, long padding,
                                 long outs);

/// y[i, j] = scale[i] * (W x)[i, j] + shift[i] (then ReLU) for W [m, k] packed by
/// prn_packed_gemm_pack and x [k, n] with row stride ldx, y with row stride ldy (see
/// packed_gemm.c). Work items are (block of 32 rows, tile of 14 columns) pairs in row-block-major
/// order, prn_packed_gemm_tiles(n) tiles per block; a call does items [first_item, first_item +
/// item_count), so threads given disjoint ranges write disjoint parts of y. `tail`:
/// prn_packed_gemm_tail_size(k) floats of scratch per call. scale and shift may be NULL (1, 0).
long prn_packed_gemm_weight_size(long m, long k);
long prn_packed_gemm_tiles(long n);
long prn_packed_gemm_tail_size(long k);
void prn_packed_gemm_pack(const float *w, long m, long k, float *packed);
void prn_packed_gemm(const float *packed, const float *x, long ldx, float *y, long ldy, long m, long k, long n,
                     long first_item, long item_count, const float *scale, const float *shift, int relu,
                     float *tail);
/// The packed product of a convolution of one sample without its column matrix (see
/// packed_conv.c): y [m, out_height * out_width] = epilogue(W im2col(x)) for W packed by
/// prn_packed_gemm_pack ([m, channels * kernel * kernel]) and x the input padded on every side
/// ([channels, height, width] are the padded sizes: prn_packed_conv_pad_rows, or the input itself
/// without padding). Work items as prn_packed_gemm's (n = out_height * out_width); output
/// channel r starts at y + r * ldy (ldy >= n). Only for the shapes prn_packed_conv_applies
/// accepts: kernel 1 or 3, stride 1 or 2, output rows a multiple of 14 or 7 wide. `residual`
/// (laid out as y) or NULL: added after the scale and shift, before the ReLU, rounded as
/// prn_affine_add_relu_run rounds it. A band of output rows is the product of the band of input
/// rows under it: prn_packed_conv_pad_rows writes padded rows [first_row, first_row + rows) of
/// every channel, [channels, rows, width + 2 * padding] (all height + 2 * padding of them for the
/// whole input).
int prn_packed_conv_applies(long kernel, long stride, long out_width);
void prn_packed_conv_pad_rows(const float *x, float *band, long channels, long height, long width, long padding,
                              long first_row, long rows);
void prn_packed_conv(const float *packed, const float *x, long channels, long height, long width, long kernel,
                     long stride, long out_height, long out_width, float *y, long ldy, long m, long first_item,
                     long item_count, const float *scale, const float *shift, const float *residual, int relu);
/// Whether prn_packed_gemm beats a general GEMM on this CPU: where it has AVX-512 or AVX2 with
/// FMA (blocked for their registers, prn_wide_registers); on older CPUs it is correct but slower.
int prn_packed_gemm_preferred(void);

/// How the packed, direct and Winograd-product kernels block their accumulators: for AVX-512's
/// 32 vector registers (1) or AVX2's 16 (0), where twice as many would spill on every tap. Either
/// runs on any CPU (it only changes how the loops are tiled) and gives the same bits. By default
/// the CPU decides (AVX-512 or not); prn_force_register_blocking(1 or 0) forces one, -1 restores
/// the default (tests compare the two).
int prn_wide_registers(void);
void prn_force_register_blocking(int wide);

/// `count` floats of scratch owned by the calling thread, slot 0-4 (see thread_scratch.c): valid
/// until the same thread asks for that slot again; NULL if the memory cannot be had.
float *prn_thread_scratch(int slot, long count);

/// Winograd F(2x2, 3x3) convolution of `samples` samples x [samples, C, H, W] (stride 1,
/// padding 0-2; see winograd_conv.c) -> y [samples, outs, OH, OW], OH = H + 2p - 2, likewise OW,
/// for rows of 2x2 tiles [row_first, row_first + row_count) of each sample (output rows
/// 2 * row_first on; all of them: 0 and (OH + 1) / 2), so that threads can also split one sample
/// into bands of rows, each on its own buffers. `tiles` sizes the buffers:
/// prn_winograd_tiles(samples, H, W, p) for whole samples, prn_winograd_band_tiles(row_count, W, p)
/// for a band of one. `rows` of prn_winograd_rows_size(C, tiles) floats filled by
/// prn_winograd_gather; `u` of 16 * C * outs rounded up to 8 floats (laid out as winograd_layout.h
/// says), made by prn_winograd_weights (input channels [first_in, first_in + in_count) of it, so
/// threads can share the work) from a layer's weight [outs, ins, 3, 3], or with `adjoint` from the
/// weight [ins, outs, 3, 3] of the layer whose input gradient this is; `scratch` of
/// prn_winograd_scratch_size(C, tiles); `grid` of prn_winograd_grid_size(outs, tiles) receives
/// prn_winograd_conv's raw products of every output over the `tiles` tiles, which
/// prn_winograd_output writes as scale * grid + shift (+ residual, laid out as y, when not NULL),
/// then ReLU; scale/shift may be NULL.
long prn_winograd_tiles(long samples, long height, long width, long padding);
long prn_winograd_band_tiles(long row_count, long width, long padding);
long prn_winograd_rows_size(long channels, long tiles);
long prn_winograd_grid_size(long outs, long tiles);
long prn_winograd_scratch_size(long channels, long tiles);
void prn_winograd_weights(const float *weight, float *u, long ins, long outs, int adjoint, long first_in,
                          long in_count);
void prn_winograd_gather(const float *x, float *rows, long channels, long samples, long height, long width,
                         long padding, long tiles, long row_first, long row_count);
void prn_winograd_conv(const float *rows, const float *u, float *scratch, float *grid, long channels, long outs,
                       long tiles);
void prn_winograd_output(const float *grid, float *y, long outs, long samples, long height, long width,
                         long padding, long tiles, long row_first, long row_count, const float *scale,
                         const float *shift, const float *residual, int relu);

/// Winograd F(4x4, 3x3) (see winograd43_conv.c): the same calls as F(2x2, 3x3)'s above with `43`
/// in their names, 4x4 tiles (rows of tiles: (OH + 3) / 4).
long prn_winograd43_tiles(long samples, long height, long width, long padding);
long prn_winograd43_band_tiles(long row_count, long width, long padding);
long prn_winograd43_rows_size(long channels, long tiles);
long prn_winograd43_grid_size(long outs, long tiles);
long prn_winograd43_scratch_size(long channels, long tiles);
void prn_winograd43_weights(const float *weight, float *u, long ins, long outs, int adjoint, long first_in,
                            long in_count);
void prn_winograd43_gather(const float *x, float *rows, long channels, long samples, long height, long width,
                           long padding, long tiles, long row_first, long row_count);
void prn_winograd43_conv(const float *rows, const float *u, float *scratch, float *grid, long channels, long outs,
                         long tiles);
void prn_winograd43_output(const float *grid, float *y, long outs, long samples, long height, long width,
                           long padding, long tiles, long row_first, long row_count, const float *scale,
                           const float *shift, const float *residual, int relu);

/// The weight gradient of a stride-1 3x3 convolution (padding 0-2) in Winograd F(2x2, 3x3) form
/// (see winograd_weight_grad.c), for `samples` samples x [samples, C, H, W] and their output
/// gradients dy [samples, outs, OH, OW]: adds their products to `sums`
/// (prn_winograd_weight_grad_sums_size floats, zeroed before the first call), which
/// prn_winograd_weight_grad_finish then adds to dw [outs, C, 3, 3]. `tiles` =
/// prn_winograd_tiles(samples, H, W, p); `rows` of prn_winograd_rows_size(C, tiles) floats,
/// `dy_rows` of prn_winograd_dy_rows_size(outs, tiles), `scratch` of
/// prn_winograd_weight_grad_scratch_size(C, outs, tiles).
long prn_winograd_dy_rows_size(long outs, long tiles);
long prn_winograd_weight_grad_scratch_size(long channels, long outs, long tiles);
long prn_winograd_weight_grad_sums_size(long channels, long outs);
void prn_winograd_weight_grad(const float *x, const float *dy, float *rows, float *dy_rows, float *scratch,
                              float *sums, long channels, long outs, long samples, long height, long width,
                              long padding, long tiles);
void prn_winograd_weight_grad_finish(const float *sums, float *dw, long channels, long outs);
/// The same in F(4x4, 3x3) form (see winograd43_weight_grad.c): the calls above with `43` in their
/// names, `tiles` = prn_winograd43_tiles(samples, H, W, p) and `rows` of
/// prn_winograd43_rows_size(C, tiles) floats.
long prn_winograd43_dy_rows_size(long outs, long tiles);
long prn_winograd43_weight_grad_scratch_size(long channels, long outs, long tiles);
long prn_winograd43_weight_grad_sums_size(long channels, long outs);
void prn_winograd43_weight_grad(const float *x, const float *dy, float *rows, float *dy_rows, float *scratch,
                                float *sums, long channels, long outs, long samples, long height, long width,
                                long padding, long tiles);
void prn_winograd43_weight_grad_finish(const float *sums, float *dw, long channels, long outs);

/// 2x2, stride-2 max pooling of `planes` planes [height, width] (odd edges dropped), with the
/// index within its plane of each maximum (the first one on ties; NaN never wins).
void prn_maxpool2x2(const float *x, float *y, int32_t *argmax, long planes, long height, long width);
/// Max pooling without the argmax (inference): y [planes, oh, ow] from x [planes, height, width],
/// any kernel, stride and padding (at most kernel/2, windows clamped to the image), output rows
/// [first_row, first_row + rows) of every plane; `row` holds `width` floats of scratch.
void prn_maxpool_values(const float *x, float *y, long planes, long height, long width, long kernel, long stride,
                        long padding, long oh, long ow, long first_row, long rows, float *row);

/// dst[i] = scale * src[i] + shift, then max(., 0) when `relu`; src may equal dst. A
/// convolution's output channel with the batch norm and ReLU that follow it folded in.
void prn_affine_relu(const float *src, float *dst, long count, float scale, float shift, int relu);

/// Over `count` entries: sum = sum (x - shift), squares = sum (x - shift)^2 (float partial sums;
/// batch norm's training statistics for one plane, in one pass).
void prn_shifted_sums(const float *x, long count, float shift, float *sum, float *squares);

/// Over `count` entries: sum = sum g, dot = sum g * (x - center) (float partial sums; batch
/// norm's backward reduction for one plane).
void prn_sum_and_centered_dot(const float *g, const float *x, long count, float center, float *sum, float *dot);

/// prn_sum_and_centered_dot of g masked by the ReLU after a batch norm (g where a * x + b > 0,
/// as prn_norm_forward rounds it, else 0): the norm's reduction with the ReLU's backward folded in.
void prn_sum_and_centered_dot_relu(const float *g, const float *x, long count, float center, float a, float b,
                                   float *sum, float *dot);

/// dx[i] = a * g[i] - k * x[i] - offset: batch norm's training-mode input gradient for one plane.
void prn_norm_input_gradient(const float *g, const float *x, float *dx, long count, float a, float k, float offset);

/// prn_norm_input_gradient of g masked as in prn_sum_and_centered_dot_relu by the forward map
/// a * x + b (the same a: the norm's scale times its inverse deviation).
void prn_norm_input_gradient_relu(const float *g, const float *x, float *dx, long count, float a, float k,
                                  float offset, float b);

/// y[i] = a * x[i] + b rounded as a multiply and an add (never fused, so a backward can recompute
/// it exactly), then max(., 0) as prn_relu when `relu`: batch norm's forward for one plane, with
/// the ReLU after it folded in.
void prn_norm_forward(const float *x, float *y, long count, float a, float b, int relu);

/// y[i] = (a * x[i] + b as prn_norm_forward rounds it) + r[i], then max(., 0) when `relu`: batch
/// norm's forward with the residual add (and its ReLU) after it folded in, rounded as the norm
/// and then prn_add_relu would.
void prn_norm_add_relu(const float *x, const float *r, float *y, long count, float a, float b, int relu);

/// dx[i] = dy[i] where y[i] > 0, else 0 (ReLU's backward from its output).
void prn_relu_backward(const float *y, const float *dy, float *dx, long count);

/// y[i] = max(x[i], 0) with Swift's semantics for NaN and -0 (prn_relu_value in affine.h).
void prn_relu(const float *x, float *y, long count);

/// y[i] = a[i] + b[i], then max(., 0) as prn_relu when `relu` (a residual join and the ReLU
/// after it in one pass); y may equal a.
void prn_add_relu(const float *a, const float *b, float *y, long count, int relu);

/// Screening moments of dense inputs (one value per unit) for the units in [unit_begin,
/// unit_end): for each of `count` samples (row-major, `units` wide) with class labels[s],
/// d = x - entry_ref is added to entry_sum and d^2 to entry_squares, and v = d + entry_ref - ref
/// to the label's row of class_sums ([classes, units]) and v^2 to class_squares.
void prn_screening_add_dense(const float *samples, const int32_t *labels, long count, long units,
                             long unit_begin, long unit_end, const float *entry_ref, const float *ref,
                             double *entry_sum, double *entry_squares, double *class_sums,
                             double *class_squares);

/// absolute[i] = |x[i]|, square[i] = x[i]^2.
void prn_abs_and_square(const float *x, float *absolute, float *square, long count);

/// The contribution scorer's per-unit factors r = 1/S (0 where S <= 0 or the unit is inactive)
/// and r^2 for entries [begin, end), entry i belonging to unit (i / inner) % units. With
/// `share`, `ratio` arrives holding sum_k |w_kj x_k| and S adds |bias|; otherwise
/// S = max(|preactivation|, epsilon). `active` (may be NULL) marks active units with values > 0.
void prn_contribution_ratios(float *ratio, float *ratio_squared, const float *preactivation,
                             const float *active, long begin, long end, long inner, long units,
                             const float *abs_bias, int share, float epsilon);

/// Two position-weighted wrapping sums of `count` 32-bit words: a cheap fingerprint that tells
/// whether a weight tensor's bits changed.
void prn_fingerprint(const uint32_t *bits, long count, uint32_t *plain, uint32_t *weighted);

#endif
