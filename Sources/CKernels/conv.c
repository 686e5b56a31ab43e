// Convolution and pooling data movement (see include/CKernels.h). In Swift these loops ran as
// one short memmove/memset call per output row (8 to 32 floats in vgg-small), which cost more
// than the copying itself; here each row is a plain loop the compiler vectorises.
#include "CKernels.h"
#include "clones.h"

// no_builtin: the zeroing loops (often one or two floats at a row's edge) would otherwise become
// memset calls that cost more than the stores.
CLONES __attribute__((no_builtin("memset", "memcpy")))
void prn_im2col_rows(const float *restrict x, float *restrict col, long channels, long height, long width,
                     long kernel, long stride, long padding, long ld, long first_pair, long pair_count) {
    const long oh = (height + 2 * padding - kernel) / stride + 1;
    const long ow = (width + 2 * padding - kernel) / stride + 1;
    (void)channels;  // the pairs say which channels
    for (long r = first_pair; r < first_pair + pair_count; r++) {
        const long c = r / kernel, ki = r % kernel;
        const float *plane = x + c * height * width;
        float *row = col + r * kernel * ld;
        for (long kj = 0; kj < kernel; kj++, row += ld) {
            // Output columns whose input column q*stride - padding + kj lies inside the image.
            long lo = 0, hi = ow;
            while (lo < ow && lo * stride - padding + kj < 0) lo++;
            while (hi > lo && (hi - 1) * stride - padding + kj >= width) hi--;
            if (stride == 1 && oh == height && ow == width) {
                // "Same" padding: the row is the whole plane shifted by one flat offset, so
                // it is one long copy; then the rows and columns that fall outside the image
                // are zeroed (at most `padding` of each per side).
                const long shift = (ki - padding) * width + (kj - padding);
                long first = 0, last = oh;
                while (first < oh && first - padding + ki < 0) first++;
                while (last > first && last - 1 - padding + ki >= height) last--;
                for (long i = 0; i < first * ow; i++) row[i] = 0.0f;
                const float *src = plane + shift;
                for (long i = first * ow; i < last * ow; i++) row[i] = src[i];
                for (long i = last * ow; i < oh * ow; i++) row[i] = 0.0f;
                for (long o = first; o < last; o++) {
                    for (long q = 0; q < lo; q++) row[o * ow + q] = 0.0f;
                    for (long q = hi; q < ow; q++) row[o * ow + q] = 0.0f;
                }
                continue;
            }
            float *dst = row;
            for (long o = 0; o < oh; o++, dst += ow) {
                const long iy = o * stride - padding + ki;
                if (iy < 0 || iy >= height) {
                    for (long q = 0; q < ow; q++) dst[q] = 0.0f;
                    continue;
                }
                const float *src = plane + iy * width - padding + kj;
                for (long q = 0; q < lo; q++) dst[q] = 0.0f;
                if (stride == 1) {
                    for (long q = lo; q < hi; q++) dst[q] = src[q];
                } else {
                    for (long q = lo; q < hi; q++) dst[q] = src[q * stride];
                }
                for (long q = hi; q < ow; q++) dst[q] = 0.0f;
            }
        }
    }
}

void prn_im2col(const float *x, float *col, long channels, long height, long width, long kernel, long stride,
                long padding, long ld) {
    prn_im2col_rows(x, col, channels, height, width, kernel, stride, padding, ld, 0, channels * kernel);
}

CLONES
void prn_maxpool2x2(const float *restrict x, float *restrict y, int32_t *restrict argmax, long planes,
                    long height, long width) {
    const long oh = height / 2, ow = width / 2;
    for (long p = 0; p < planes; p++) {
        const float *src = x + p * height * width;
        float *dst = y + p * oh * ow;
        int32_t *arg = argmax + p * oh * ow;
        for (long i = 0; i < oh; i++) {
            const float *r0 = src + 2 * i * width, *r1 = r0 + width;
            const int32_t base = (int32_t)(2 * i * width);
            for (long j = 0; j < ow; j++) {
                // Same order and strict comparisons as the generic loop: the first maximum wins.
                float m = r0[2 * j];
                int32_t best = base + (int32_t)(2 * j);
                if (r0[2 * j + 1] > m) { m = r0[2 * j + 1]; best = base + (int32_t)(2 * j + 1); }
                if (r1[2 * j] > m) { m = r1[2 * j]; best = base + (int32_t)(width + 2 * j); }
                if (r1[2 * j + 1] > m) { m = r1[2 * j + 1]; best = base + (int32_t)(width + 2 * j + 1); }
                dst[i * ow + j] = m;
                arg[i * ow + j] = best;
            }
        }
    }
}

// Output columns [from, to) of one row: each window's maximum, its columns clamped to the image.
static inline __attribute__((always_inline))
void maxpool_columns(const float *restrict row, float *restrict dst, long width, long kernel, long stride, long padding,
                     long from, long to) {
    for (long j = from; j < to; j++) {
        long c0 = j * stride - padding, c1 = c0 + kernel;
        if (c0 < 0) c0 = 0;
        if (c1 > width) c1 = width;
        float m = row[c0];
        for (long c = c0 + 1; c < c1; c++) m = row[c] > m ? row[c] : m;
        dst[j] = m;
    }
}

// Separable: the maximum over a window's rows first, for every column of the input (one
// vectorised pass over k rows), then over the window's columns of that row. Windows are clamped
// to the image, which is PyTorch's -infinity padding (every window keeps at least one element).
// The 3x3 stride-2 pool (ImageNet ResNets after the stem) takes its windows that lie inside the
// row without bounds checks, a loop the compiler vectorises; it compares in the same order, so
// ties and NaN come out as in the general loop.
CLONES
void prn_maxpool_values(const float *restrict x, float *restrict y, long planes, long height, long width,
                        long kernel, long stride, long padding, long oh, long ow, long first_row, long rows,
                        float *restrict row) {
    // Output columns whose window lies inside the row, for the 3-wide stride-2 case.
    long inner_lo = 0, inner_hi = 0;
    if (kernel == 3 && stride == 2) {
        const long span = width - kernel + padding;
        inner_lo = (padding + 1) / 2;
        inner_hi = span < 0 ? 0 : span / 2 + 1;
        if (inner_hi > ow) inner_hi = ow;
        if (inner_lo > inner_hi) inner_lo = inner_hi;
    }
    for (long p = 0; p < planes; p++) {
        const float *src = x + p * height * width;
        float *dst = y + p * oh * ow;
        for (long i = first_row; i < first_row + rows; i++) {
            long r0 = i * stride - padding, r1 = r0 + kernel;
            if (r0 < 0) r0 = 0;
            if (r1 > height) r1 = height;
            const float *first = src + r0 * width;
            for (long q = 0; q < width; q++) row[q] = first[q];
            for (long r = r0 + 1; r < r1; r++) {
                const float *line = src + r * width;
                for (long q = 0; q < width; q++) row[q] = line[q] > row[q] ? line[q] : row[q];
            }
            float *out = dst + i * ow;
            maxpool_columns(row, out, width, kernel, stride, padding, 0, inner_lo);
            for (long j = inner_lo; j < inner_hi; j++) {
                const long c = 2 * j - padding;
                const float a0 = row[c], a1 = row[c + 1], a2 = row[c + 2];
                float m = a0;
                m = a1 > m ? a1 : m;
                m = a2 > m ? a2 : m;
                out[j] = m;
            }
            maxpool_columns(row, out, width, kernel, stride, padding, inner_hi, ow);
        }
    }
}

// no_builtin: as above, the zeroed stretches are a float or two.
CLONES __attribute__((no_builtin("memset", "memcpy")))
void prn_phase_split2(const float *restrict x, float *restrict out, long channels, long height, long width,
                      long padding, long out_height, long out_width, long first_plane, long plane_count) {
    const long plane = (out_height + 1) * out_width;
    for (long r = first_plane; r < first_plane + plane_count; r++) {
        const long a = r % 4 / 2, b = r % 2;
        const float *src = x + r / 4 * height * width;
        float *dst = out + r * plane;
        // Output columns whose input column 2j + b - padding lies inside the image.
        long lo = 0, hi = out_width;
        while (lo < out_width && 2 * lo + b - padding < 0) lo++;
        while (hi > lo && 2 * (hi - 1) + b - padding >= width) hi--;
        for (long i = 0; i < out_height; i++, dst += out_width) {
            const long iy = 2 * i + a - padding;
            if (iy < 0 || iy >= height) {
                for (long j = 0; j < out_width; j++) dst[j] = 0.0f;
                continue;
            }
            const float *row = src + iy * width + b - padding;
            for (long j = 0; j < lo; j++) dst[j] = 0.0f;
            for (long j = lo; j < hi; j++) dst[j] = row[2 * j];
            for (long j = hi; j < out_width; j++) dst[j] = 0.0f;
        }
        for (long j = 0; j < out_width; j++) dst[j] = 0.0f;  // the direct kernel's spare row
        if (r == channels * 4 - 1) for (long i = 0; i < 16; i++) out[channels * 4 * plane + i] = 0.0f;
    }
}

// no_builtin: as above.
CLONES __attribute__((no_builtin("memset", "memcpy")))
void prn_subsample2(const float *restrict x, float *restrict out, long channels, long height, long width,
                    long out_height, long out_width, long first, long count) {
    const long plane = (out_height + 1) * out_width;
    for (long c = first; c < first + count; c++) {
        const float *src = x + c * height * width;
        float *dst = out + c * plane;
        for (long i = 0; i < out_height; i++, dst += out_width)
            for (long j = 0; j < out_width; j++) dst[j] = src[2 * i * width + 2 * j];
        for (long j = 0; j < out_width; j++) dst[j] = 0.0f;  // the direct kernel's spare row
        if (c == channels - 1) for (long i = 0; i < 16; i++) out[channels * plane + i] = 0.0f;
    }
}

// Each input row is summed in a buffer split by column phase (column mod stride): a kernel
// column's contribution to a row then lands contiguously in one phase, so the adds vectorise for
// any stride (written in place, stride-2 adds would be scattered one float apart), and the row is
// written once, interleaved, instead of zeroed and then added to k*k times. A row wider than the
// buffer is summed a window at a time: windows start at multiples of the stride, so a column's
// phase within its window is its phase in the row (with a stride past the buffer's size, a
// window holds at most one column of each phase and the buffer is the window itself).
enum { COL2IM_WINDOW = 1024 };

void prn_col2im(const float *col, float *dx, long channels, long height, long width, long kernel, long stride,
                long padding, long ld);
// (Declared first: clang refuses target_clones with no_builtin on a function's first declaration.)
CLONES __attribute__((no_builtin("memset", "memcpy")))
void prn_col2im(const float *restrict col, float *restrict dx, long channels, long height, long width, long kernel,
                long stride, long padding, long ld) {
    const long oh = (height + 2 * padding - kernel) / stride + 1;
    const long ow = (width + 2 * padding - kernel) / stride + 1;
    const long window = stride <= COL2IM_WINDOW ? COL2IM_WINDOW / stride * stride : COL2IM_WINDOW;
    float phases[COL2IM_WINDOW];
    for (long c = 0; c < channels; c++) {
        for (long ih = 0; ih < height; ih++) {
            float *row = dx + (c * height + ih) * width;
            for (long from = 0; from < width; from += window) {
                const long n = from + window < width ? window : width - from;
                const long span = (n + stride - 1) / stride;  // columns of one phase
                const long used = stride <= COL2IM_WINDOW ? stride * span : n;
                for (long i = 0; i < used; i++) phases[i] = 0.0f;
                for (long ki = 0; ki < kernel; ki++) {
                    const long t = ih + padding - ki;
                    if (t < 0 || t % stride != 0 || t / stride >= oh) continue;
                    const long o = t / stride;
                    for (long kj = 0; kj < kernel; kj++) {
                        // Output columns q whose input column q*stride - padding + kj is in the window.
                        long lo = 0, hi = ow;
                        while (lo < ow && lo * stride - padding + kj < from) lo++;
                        while (hi > lo && (hi - 1) * stride - padding + kj >= from + n) hi--;
                        if (lo >= hi) continue;
                        const long first = lo * stride - padding + kj - from;  // window column of q = lo
                        float *dst = phases + (first % stride) * span + first / stride - lo;
                        const float *src = col + ((c * kernel + ki) * kernel + kj) * ld + o * ow;
                        for (long q = lo; q < hi; q++) dst[q] += src[q];
                    }
                }
                float *out = row + from;
                if (stride == 1) {
                    for (long iw = 0; iw < n; iw++) out[iw] = phases[iw];
                } else if (stride == 2) {
                    const float *even = phases, *odd = phases + span;
                    for (long m = 0; m < n / 2; m++) { out[2 * m] = even[m]; out[2 * m + 1] = odd[m]; }
                    if (n % 2) out[n - 1] = even[n / 2];
                } else {
                    for (long r = 0; r < stride && r < n; r++)
                        for (long m = 0; m * stride + r < n; m++) out[m * stride + r] = phases[r * span + m];
                }
            }
        }
    }
}
