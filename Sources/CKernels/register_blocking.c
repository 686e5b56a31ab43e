// The accumulator blocking the kernels use (see include/CKernels.h).
#include "CKernels.h"
#include <stdatomic.h>

static atomic_int forced = -1;  // -1: the CPU decides

void prn_force_register_blocking(int wide) { atomic_store_explicit(&forced, wide < 0 ? -1 : wide != 0, memory_order_relaxed); }

int prn_wide_registers(void) {
    const int f = atomic_load_explicit(&forced, memory_order_relaxed);
    return f >= 0 ? f : __builtin_cpu_supports("avx512f");
}
