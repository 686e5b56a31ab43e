import Foundation

/// OpenBLAS's worker threads keep spinning for about 2^28 cycles (a tenth of a second) after
/// every BLAS call before they sleep. prn alternates BLAS products with its own parallel loops
/// (im2col, batch norm, sparse kernels, ReLU), and on a machine with few cores those spinning
/// threads take the cores the next loop needs: `prn bench` measured LeNet-300-100 training 37%
/// and inference 46% faster with the spin cut to 2^4 cycles (docs/engine.md). OpenBLAS reads
/// OPENBLAS_THREAD_TIMEOUT only when it is loaded, before any of prn's code runs, so when the
/// variable is unset prn sets it and executes itself again, once; a value the user set is kept.
enum BLASSpinLimit {
    static let variable = "OPENBLAS_THREAD_TIMEOUT"
    /// log2 of the cycles an idle OpenBLAS thread spins; 4 is the smallest value OpenBLAS accepts.
    static let exponent = "4"

    static func applyByReexecuting() {
        guard getenv(variable) == nil else { return }
        setenv(variable, exponent, 1)
        // Only returns if the exec failed (no /proc, for instance): then run with the default spin.
        execv("/proc/self/exe", CommandLine.unsafeArgv)
    }
}
