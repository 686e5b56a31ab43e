import Foundation

/// The environment variables that size prn's work, parsed in one place. Values come from
/// outside the program, so each is range-checked before it becomes a size or a count; `problems`
/// lists every variable that is set to something prn cannot use, and the command line refuses
/// to start while there are any (a default silently replacing a typo hides it).
public enum EnvironmentSettings {
    public static let memoryVariable = "PRN_MEMORY_GB"
    public static let threadsVariable = "PRN_THREADS"
    /// Below 10 MB nothing prn builds fits; above a petabyte the number is a typo, not a machine.
    public static let memoryRange = 0.01...1_000_000.0
    /// Beyond the largest machines' core counts a value is a typo; more threads than cores only
    /// add waiting (the loop pool itself runs at most 256 at once).
    public static let threadRange = 1...1024

    /// Gigabytes from `PRN_MEMORY_GB`, nil when unset or unusable (then `problems` says why).
    public static func memoryGigabytes(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> Double? {
        guard let text = environment[memoryVariable], let g = Double(text), memoryRange.contains(g) else { return nil }
        return g
    }

    /// The memory budget in bytes: `PRN_MEMORY_GB`, else 3/4 of physical memory.
    public static func memoryBudgetBytes(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> Double {
        if let g = memoryGigabytes(environment) { return g * 1e9 }
        return Double(ProcessInfo.processInfo.physicalMemory) * 0.75
    }

    /// Threads from `PRN_THREADS`, nil when unset or unusable.
    public static func threads(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> Int? {
        guard let text = environment[threadsVariable], let n = Int(text), threadRange.contains(n) else { return nil }
        return n
    }

    /// One message per variable that is set to a value prn cannot use.
    public static func problems(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> [String] {
        var out = [String]()
        if let text = environment[memoryVariable], memoryGigabytes(environment) == nil {
            out.append("\(memoryVariable)='\(text)' is not a usable memory budget: give a number of gigabytes from "
                       + "\(format(memoryRange.lowerBound)) to \(format(memoryRange.upperBound)), e.g. \(memoryVariable)=8 or 0.5, "
                       + "or unset it to use 3/4 of the physical memory")
        }
        if let text = environment[threadsVariable], threads(environment) == nil {
            out.append("\(threadsVariable)='\(text)' is not a usable thread count: give a whole number from "
                       + "\(threadRange.lowerBound) to \(threadRange.upperBound), e.g. \(threadsVariable)=4, or unset it to use every core")
        }
        if let text = environment["PRN_DATA"] {
            for entry in text.split(separator: ":") where !entry.isEmpty && isFile(String(entry)) {
                out.append("PRN_DATA='\(text)': '\(entry)' is not a folder: give dataset folders separated by ':', "
                           + "e.g. PRN_DATA=/data/datasets")
            }
        }
        if let text = environment["PRN_STDLIB"], !isFolder(text) {
            out.append("PRN_STDLIB='\(text)' is not a folder: point it at prn's stdlib folder, or unset it to use the one "
                       + "beside the prn executable")
        }
        return out
    }

    private static func format(_ x: Double) -> String {
        x == x.rounded() ? String(Int(x)) : String(x)
    }

    private static func isFolder(_ path: String) -> Bool {
        var d: ObjCBool = false
        return !path.isEmpty && FileManager.default.fileExists(atPath: path, isDirectory: &d) && d.boolValue
    }

    private static func isFile(_ path: String) -> Bool {
        var d: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &d) && !d.boolValue
    }
}
