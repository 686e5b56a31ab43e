import Foundation

/// One benchmark measurement, printed as a JSON line with the same field names as the PyTorch
/// reference (`workload`, `samples_per_s`), or `seconds` for one-off tasks.
public struct BenchResult: Sendable {
    public var workload: String
    public var samplesPerSecond: Double?
    public var seconds: Double?
    public var extra: [String: Double] = [:]

    public init(_ workload: String, samplesPerSecond: Double? = nil, seconds: Double? = nil,
                extra: [String: Double] = [:]) {
        self.workload = workload
        self.samplesPerSecond = samplesPerSecond
        self.seconds = seconds
        self.extra = extra
    }

    public var json: String {
        var fields = ["\"workload\": \"\(workload)\""]
        if let s = samplesPerSecond { fields.append("\"samples_per_s\": \(Int(s.rounded()))") }
        if let s = seconds { fields.append("\"seconds\": \(String(format: "%.4f", s))") }
        for (k, v) in extra.sorted(by: { $0.key < $1.key }) { fields.append("\"\(k)\": \(String(format: "%.4f", v))") }
        return "{" + fields.joined(separator: ", ") + "}"
    }

    public var human: String {
        var s = workload.padding(toLength: 40, withPad: " ", startingAt: 0)
        if let v = samplesPerSecond { s += String(format: "%12.0f samples/s", v) }
        if let v = seconds { s += String(format: "%12.4f s", v) }
        for (k, v) in extra.sorted(by: { $0.key < $1.key }) { s += String(format: "  %@=%.4f", k, v) }
        return s
    }
}

/// Wall-clock timing helper.
func timed(_ body: () throws -> Void) rethrows -> Double {
    let t0 = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
}
