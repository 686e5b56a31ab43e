import Foundation

/// Points done, failed and left, with an estimate of the time left from the runs finished so
/// far (their mean duration, spread over the parallel jobs).
final class SweepProgress: @unchecked Sendable {
    let total: Int
    let jobs: Int
    private let lock = NSLock()
    private var done = 0
    private var failed = 0
    private var skipped = 0
    private var seconds: [Double] = []

    init(total: Int, jobs: Int) {
        self.total = total
        self.jobs = max(1, jobs)
    }

    func skip(_ n: Int) {
        lock.lock(); skipped += n; done += n; lock.unlock()
    }

    func finish(ok: Bool, seconds s: Double? = nil) {
        lock.lock()
        if ok { done += 1 } else { failed += 1 }
        if let s { seconds.append(s) }
        lock.unlock()
    }

    /// "[5/12] 5 done, 1 failed, 6 left, ETA 0:42".
    var line: String {
        lock.lock()
        defer { lock.unlock() }
        let left = total - done - failed
        var text = "[\(done + failed)/\(total)] \(done) done, \(failed) failed, \(left) left"
        if left > 0, !seconds.isEmpty {
            let mean = seconds.reduce(0, +) / Double(seconds.count)
            let waves = (Double(left) / Double(min(jobs, left))).rounded(.up)
            text += ", ETA \(Self.clock(mean * waves))"
        }
        return text
    }

    /// Seconds as m:ss, or h:mm:ss from an hour on.
    static func clock(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        let (h, m, r) = (s / 3600, s / 60 % 60, s % 60)
        return h > 0 ? String(format: "%d:%02d:%02d", h, m, r) : String(format: "%d:%02d", m, r)
    }
}
