// Scratch memory owned by the calling thread (see include/CKernels.h).
//
// Kernels whose buffers live only for one call (the Winograd convolution's gathered rows,
// transformed inputs and products, and a weight transformed for that call) take them from here
// instead of every layer keeping its own: layers run one after another on the same pool
// threads, so one set per thread, grown to the largest request, serves them all, and two models
// running at once on different threads never share a buffer. A thread's buffers are freed when it exits.
#include "CKernels.h"
#include <pthread.h>
#include <stdlib.h>

enum { SCRATCH_SLOTS = 5 };

typedef struct {
    float *data;
    long capacity;
} scratch_slot;

static _Thread_local scratch_slot slots[SCRATCH_SLOTS];

// A key whose value is set on a thread's first allocation, so that its destructor runs when the
// thread exits and frees what the thread holds.
static pthread_key_t exit_key;
static pthread_once_t exit_once = PTHREAD_ONCE_INIT;

static void free_slots(void *held) {
    scratch_slot *s = held;
    for (int i = 0; i < SCRATCH_SLOTS; i++) {
        free(s[i].data);
        s[i].data = NULL;
        s[i].capacity = 0;
    }
}

static void make_exit_key(void) { pthread_key_create(&exit_key, free_slots); }

float *prn_thread_scratch(int slot, long count) {
    if (slot < 0 || slot >= SCRATCH_SLOTS || count < 0) return NULL;
    if (slots[slot].capacity < count) {
        pthread_once(&exit_once, make_exit_key);
        if (!pthread_getspecific(exit_key)) pthread_setspecific(exit_key, slots);
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
