import Engine
import Foundation
import Runtime

/// Refuses to start when a PRN_* variable holds a value prn cannot use. The environment is part
/// of how prn was invoked and nothing has run yet, so this is a usage error (exit 64), like a
/// bad command-line option, not a failure of a running command (70).
enum EnvironmentCheck {
    static func refuseUnusableSettings() {
        let problems = EnvironmentSettings.problems()
        guard !problems.isEmpty else { return }
        for p in problems { FileHandle.standardError.write(Data("prn: \(p)\n".utf8)) }
        exit(PrnExit.usage)
    }
}
