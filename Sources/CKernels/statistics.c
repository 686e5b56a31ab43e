// Streaming statistics of the pruning scorers (see include/CKernels.h).
#include "CKernels.h"
#include "clones.h"

// The Swift code these loops replace rounds every product and sum separately; keep it that way.
#pragma STDC FP_CONTRACT OFF


CLONES
void prn_screening_add_dense(const float *restrict samples, const int32_t *restrict labels, long count,
                             long units, long unit_begin, long unit_end, const float *restrict entry_ref,
                             const float *restrict ref, double *restrict entry_sum,
                             double *restrict entry_squares, double *restrict class_sums,
                             double *restrict class_squares) {
    for (long s = 0; s < count; s++) {
        const float *restrict x = samples + s * units;
        double *restrict sums = class_sums + (long)labels[s] * units;
        double *restrict squares = class_squares + (long)labels[s] * units;
        for (long u = unit_begin; u < unit_end; u++) {
            const float d = x[u] - entry_ref[u];
            const float d2 = d * d;
            entry_sum[u] += (double)d;
            entry_squares[u] += (double)d2;
            const double v = (double)(d + entry_ref[u] - ref[u]);
            sums[u] += v;
            squares[u] += v * v;
        }
    }
}

CLONES
void prn_abs_and_square(const float *restrict x, float *restrict absolute, float *restrict square, long count) {
    for (long i = 0; i < count; i++) {
        const float v = x[i];
        absolute[i] = v < 0 ? -v : v;
        square[i] = v * v;
    }
}

// r = 1/S for one entry (0 where S <= 0 or the unit is inactive); S arrives in ratio[i] for share.
static inline __attribute__((always_inline))
void contribution_ratio(float *restrict ratio, float *restrict ratio_squared, const float *restrict preactivation,
                        const float *restrict active, long i, float abs_bias, int share, float epsilon) {
    float s;
    if (share) {
        s = ratio[i] + abs_bias;
    } else {
        const float a = preactivation[i] < 0 ? -preactivation[i] : preactivation[i];
        s = epsilon >= a ? epsilon : a;  // Swift's max(|a|, epsilon), NaN passing through
    }
    float v = s > 0 ? 1.0f / s : 0.0f;
    if (active && !(active[i] > 0)) v = 0;
    ratio[i] = v;
    ratio_squared[i] = v * v;
}

// Entries come in runs of `inner` that share a unit; the unit is worked out once per run (once per
// row of units for dense layers), not with a division per entry, so the inner loops vectorise.
CLONES
void prn_contribution_ratios(float *restrict ratio, float *restrict ratio_squared,
                             const float *restrict preactivation, const float *restrict active,
                             long begin, long end, long inner, long units, const float *restrict abs_bias,
                             int share, float epsilon) {
    long i = begin;
    if (inner == 1) {
        while (i < end) {
            const long row = i - i % units, stop = row + units < end ? row + units : end;
            for (; i < stop; i++) contribution_ratio(ratio, ratio_squared, preactivation, active, i,
                                                     abs_bias[i - row], share, epsilon);
        }
        return;
    }
    while (i < end) {
        const long run = i / inner, stop = (run + 1) * inner < end ? (run + 1) * inner : end;
        const float b = abs_bias[run % units];
        for (; i < stop; i++) contribution_ratio(ratio, ratio_squared, preactivation, active, i, b, share, epsilon);
    }
}
