// The loop-thread pool behind prn_parallel (include/CKernelsPool.h).
//
// Why not the system's dispatch queues: waking their threads costs tens of microseconds on a
// virtual machine, as much as a whole sparse layer of a batch. Here a worker that just finished
// a job spins briefly for the next one (the usual case inside a forward pass), then sleeps on a
// condition variable, so an idle pool costs nothing and BLAS threads keep the cores.
#include "CKernelsPool.h"
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

enum { MAX_THREADS = 255 };  // shares must fit in the 16 bits of job_word
// How long a worker keeps spinning for the next job before it sleeps.
static const long SPIN_NANOSECONDS = 100000;

static pthread_mutex_t submit = PTHREAD_MUTEX_INITIALIZER;  // one job at a time
static pthread_mutex_t sleep_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
// The current job's number and share count in one word, (generation << 16) | shares, so a worker
// learns both from a single read and one outside the job never looks at the job's other fields.
static atomic_ulong job_word;
static atomic_long sleepers;
static atomic_long remaining;    // shares run by worker threads that have not finished yet
static long started;             // worker threads created (guarded by submit)
static prn_task job_task;        // written before job_word publishes the job, stable until it ends
static void *job_context;

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
        // A worker with a share holds the job open (remaining) until it is done, so the job's
        // fields cannot change under it; one without a share reads nothing more.
        if (index < shares_of(word)) {
            job_task(job_context, index);
            atomic_fetch_sub(&remaining, 1);
        }
    }
    return NULL;
}

static void run_inline(long workers, prn_task task, void *context) {
    for (long w = 0; w < workers; w++) task(context, w);
}

void prn_parallel(long workers, prn_task task, void *context) {
    if (workers <= 1 || inside_job || pthread_mutex_trylock(&submit) != 0) {
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
    long inline_from = workers;  // shares without a thread (creation failed) run here after share 0
    if (started < workers - 1) inline_from = started + 1;

    job_task = task;
    job_context = context;
    atomic_store(&remaining, inline_from - 1);
    const unsigned long next = generation_of(atomic_load(&job_word)) + 1;
    atomic_store(&job_word, (next << 16) | (unsigned long)inline_from);  // publishes the job
    if (atomic_load(&sleepers) > 0) {
        pthread_mutex_lock(&sleep_lock);
        pthread_cond_broadcast(&wake);
        pthread_mutex_unlock(&sleep_lock);
    }
    inside_job = 1;
    task(context, 0);
    for (long w = inline_from; w < workers; w++) task(context, w);
    inside_job = 0;
    for (int i = 0; atomic_load(&remaining) > 0; i++) {
        cpu_relax();
        if ((i & 1023) == 1023) sched_yield();
    }
    pthread_mutex_unlock(&submit);
}
