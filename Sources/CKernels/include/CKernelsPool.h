// A small pool of loop threads for the engine's parallel loops (Parallel.chunks in Swift).
#ifndef PRN_CKERNELS_POOL_H
#define PRN_CKERNELS_POOL_H

/// One share of a parallel job: `worker` runs from 0 to the job's worker count - 1.
typedef void (*prn_task)(void *context, long worker);

/// Runs task(context, w) for every w in [0, workers) and returns when all have finished. The
/// calling thread and the pool's threads claim the shares as they come free, so which thread runs
/// a share varies from call to call (a share must not depend on it). Workers stay awake for a short while after a job, so the many
/// small loops of one forward pass do not each pay for waking sleeping threads. A call made from
/// inside a job, or while another thread's job is running, or with more than 1024 shares, runs
/// its shares inline, in order.
void prn_parallel(long workers, prn_task task, void *context);

#endif
