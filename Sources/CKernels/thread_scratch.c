// Scratch memory owned by the calling thread (see include/CKernels.h).
//
// Kernels whose buffers live only for one call (the Winograd convolution's gathered rows,
// transformed inputs and products) take them from here instead of every layer keeping its own:
// layers run one after another on the same pool threads, so one set per thread, grown to the
// largest request, serves them all, and two models running at once on different threads never
// share a buffer.
#include "CKernels.h"
#include <stdlib.h>

enum { SCRATCH_SLOTS = 4 };

static _Thread_local struct {
    float *data;
    long capacity;
} slots[SCRATCH_SLOTS];

float *prn_thread_scratch(int slot, long count) {
    if (slot < 0 || slot >= SCRATCH_SLOTS || count < 0) return NULL;
    if (slots[slot].capacity < count) {
        // 64-byte aligned, rounded up to whole lines as aligned_alloc requires.
        const size_t bytes = ((size_t)count * sizeof(float) + 63) / 64 * 64;
        float *fresh = aligned_alloc(64, bytes ? bytes : 64);
        if (!fresh) return NULL;
        free(slots[slot].data);
        slots[slot].data = fresh;
        slots[slot].capacity = count;
    }
    return slots[slot].data;
}
