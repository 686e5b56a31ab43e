import CKernels
import Foundation

/// The engine's own loop threads. Never nested inside a BLAS call: kernels either hand a large
/// GEMM to BLAS (which uses its own threads) or split their work here, one level at a time.
public enum Parallel {
    /// The process's worker count, read once at start: `PRN_THREADS`, else the core count.
    /// Loops that belong to a model take theirs from its `EngineConfiguration` instead.
    public static let threads: Int = EnvironmentSettings.threads() ?? Swift.max(1, ProcessInfo.processInfo.activeProcessorCount)

    /// Runs `body(range)` over `0..<count` in at most `threads` contiguous chunks. Results are
    /// bitwise reproducible for a fixed `threads` because work is split into the same chunks
    /// every time. Small jobs run inline.
    public static func chunks(_ count: Int, minPerThread: Int = 1, threads: Int = Parallel.threads,
                              _ body: (Range<Int>) -> Void) {
        let workers = Swift.min(threads, Swift.max(1, count / Swift.max(1, minPerThread)))
        if workers <= 1 || count <= 1 {
            if count > 0 { body(0..<count) }
            return
        }
        withoutActuallyEscaping(body) { body in
            var job = ChunkJob(count: count, workers: workers, body: body)
            withUnsafeMutablePointer(to: &job) { pointer in
                prn_parallel(workers, { context, worker in
                    let job = context!.assumingMemoryBound(to: ChunkJob.self).pointee
                    let lo = job.count * worker / job.workers, hi = job.count * (worker + 1) / job.workers
                    if lo < hi { job.body(lo..<hi) }
                }, pointer)
            }
        }
    }

    /// Runs `body(i)` for every i in `0..<count`, chunked across the workers.
    public static func forEach(_ count: Int, minPerThread: Int = 1, threads: Int = Parallel.threads,
                               _ body: (Int) -> Void) {
        chunks(count, minPerThread: minPerThread, threads: threads) { r in for i in r { body(i) } }
    }
}

/// One `chunks` call as the pool's workers see it.
private struct ChunkJob {
    let count: Int
    let workers: Int
    let body: (Range<Int>) -> Void
}

/// Carries a non-Sendable value into a concurrent loop whose iterations touch disjoint memory.
public struct UncheckedBox<T>: @unchecked Sendable {
    public let value: T
    public init(_ value: T) { self.value = value }
}
