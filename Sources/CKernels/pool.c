// The loop-thread pool behind prn_parallel (include/CKernelsPool.h).
//
// Why not the system's dispatch queues: waking their threads costs tens of microseconds on a
// virtual machine, as much as a whole sparse layer of a batch. Here a worker that just finished
// a job spins briefly for the next one (the usual case inside a forward pass), then sleeps on a
// condition variable, so an idle pool costs nothing and BLAS threads keep the cores.
//
// Shares are claimed, not assigned: the calling thread and every awake worker take their own
// share (the calling thread share 0, worker k share k) and then any share still unclaimed, and
// the call returns once every share has finished. A
// worker whose core is busy with another process (a shared or virtual machine) then costs the
// job only the share it holds, if any, instead of the whole job waiting for it to be scheduled.
#include "CKernelsPool.h"
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

enum { MAX_THREADS = 255 };
// Shares of one job (PRN_THREADS goes up to 1024); they must fit in the 16 bits of job_word.
enum { MAX_SHARES = 1024 };
// How long a worker keeps spinning for the next job before it sleeps.
static const long SPIN_NANOSECONDS = 100000;

static pthread_mutex_t submit = PTHREAD_MUTEX_INITIALIZER;  // one job at a time
static pthread_mutex_t sleep_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
// The current job's number and share count in one word, (generation << 16) | shares, so a worker
// learns both from a single read and one outside the job never looks at the job's other fields.
static atomic_ulong job_word;
static atomic_long sleepers;
// Per share, the generation of the last job that claimed it: a thread claims share s of job g by
// raising it from below g to g, so each share runs once per job, and a thread still looking at
// an earlier job (whose shares were all claimed before it ended) can claim nothing.
static atomic_ulong share_claim[MAX_SHARES];
static atomic_long finished;     // shares of the current job that have finished
static long started;             // worker threads created (guarded by submit)
// Written before job_word publishes the job, stable until its last share finishes (a worker
// reads them only after claiming a share, which holds the job open).
static _Atomic(prn_task) job_task;
static _Atomic(void *) job_context;

static inline unsigned long generation_of(unsigned long word) { return word >> 16; }
static inline long shares_of(unsigned long word) { return (long)(word & 0xffff); }
static _Thread_local int inside_job;

static long now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000L + t.tv_nsec;
}

static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

typedef struct { long index; unsigned long seen; } worker_start;

static int claim(long share, unsigned long generation) {
    unsigned long v = atomic_load(&share_claim[share]);
    while (v < generation)
        if (atomic_compare_exchange_weak(&share_claim[share], &v, generation)) return 1;
    return 0;
}

// Runs the unclaimed shares of job `generation` (of `shares`), its own share `home` first: when
// every thread is on time each runs the share of its index, as the last job did, so a worker
// keeps the samples (and their activations in its cache) it had; a late thread's share is
// taken by the others.
static void claim_shares(unsigned long generation, long shares, long home) {
    for (long k = 0; k < shares; k++) {
        const long share = (home + k) % shares;
        if (!claim(share, generation)) continue;
        atomic_load(&job_task)(atomic_load(&job_context), share);
        atomic_fetch_add(&finished, 1);
    }
}

static void *worker_main(void *arg) {
    const worker_start start = *(worker_start *)arg;
    free(arg);
    const long index = start.index;
    unsigned long seen = start.seen;  // the job running when this thread was made is not its
    inside_job = 1;
    for (;;) {
        unsigned long word = atomic_load(&job_word), g = generation_of(word);
        if (g == seen) {
            const long deadline = now_ns() + SPIN_NANOSECONDS;
            // A short burst of pause instructions catches the next loop of a forward pass; after
            // it the worker yields, so a BLAS thread or the main thread waiting for this core runs.
            for (int i = 0; (g = generation_of(word = atomic_load(&job_word))) == seen; i++) {
                if (i < 256) {
                    cpu_relax();
                    continue;
                }
                sched_yield();
                if ((i & 15) == 15 && now_ns() > deadline) break;
            }
        }
        if (g == seen) {
            pthread_mutex_lock(&sleep_lock);
            atomic_fetch_add(&sleepers, 1);
            while ((g = generation_of(word = atomic_load(&job_word))) == seen) pthread_cond_wait(&wake, &sleep_lock);
            atomic_fetch_sub(&sleepers, 1);
            pthread_mutex_unlock(&sleep_lock);
        }
        seen = g;
        claim_shares(g, shares_of(word), index);
    }
    return NULL;
}

static void run_inline(long workers, prn_task task, void *context) {
    for (long w = 0; w < workers; w++) task(context, w);
}

void prn_parallel(long workers, prn_task task, void *context) {
    if (workers <= 1 || workers > MAX_SHARES || inside_job || pthread_mutex_trylock(&submit) != 0) {
        run_inline(workers, task, context);
        return;
    }
    while (started < workers - 1 && started < MAX_THREADS) {
        pthread_t thread;
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        worker_start *start = malloc(sizeof *start);
        int failed = !start;
        if (start) {
            *start = (worker_start){started + 1, generation_of(atomic_load(&job_word))};
            failed = pthread_create(&thread, &attr, worker_main, start);
            if (failed) free(start);
        }
        pthread_attr_destroy(&attr);
        if (failed) break;
        started++;
    }
    atomic_store(&job_task, task);
    atomic_store(&job_context, context);
    atomic_store(&finished, 0);
    const unsigned long next = generation_of(atomic_load(&job_word)) + 1;
    atomic_store(&job_word, (next << 16) | (unsigned long)workers);  // publishes the job
    if (atomic_load(&sleepers) > 0) {
        pthread_mutex_lock(&sleep_lock);
        pthread_cond_broadcast(&wake);
        pthread_mutex_unlock(&sleep_lock);
    }
    inside_job = 1;
    claim_shares(next, workers, 0);
    inside_job = 0;
    for (int i = 0; atomic_load(&finished) < workers; i++) {
        cpu_relax();
        if ((i & 1023) == 1023) sched_yield();
    }
    pthread_mutex_unlock(&submit);
}
