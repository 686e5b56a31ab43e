import Foundation
import Language

/// Front-end speed: `prn check` on a generated 1,000-line script that uses every statement
/// kind, so the number covers lexing, parsing and checking of realistic recipes.
public enum LanguageWorkloads {
    public static func thousandLineScript() -> String {
        var lines = ["seed 0", "load lenet300 data=mnist", "checkpoint dense",
                     "def sweep(ratio, scope=global) {", "  restore dense", "  score magnitude", "  prune ratio scope",
                     "  finetune epochs=1", "  let r = (eval)", "  return r.accuracy", "}"]
        var i = 0
        while lines.count < 1000 {
            switch i % 6 {
            case 0: lines.append("let a\(i) = \(i) * 0.001 + 0.1")
            case 1: lines.append("sweep a\(i - 1) scope=local")
            case 2: lines.append("for r in [0.5, 0.7, 0.9] {\n  sweep r\n}")
            case 3: lines.append("if a\(i - 3) > 0.5 { print \"big\", a\(i - 3) } else { print \"small\" }")
            case 4: lines.append("train epochs=1 lr=0.05 batch=128 # a comment")
            default: lines.append("assert a\(i - 5) >= 0 \"non-negative\"")
            }
            i += 1
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Median seconds of `prn check` work (lex, parse, check) over several repeats.
    public static func check1000() -> BenchResult {
        let text = thousandLineScript()
        let table = Verbs.table
        var times: [Double] = []
        var errors = 0
        for _ in 0..<21 {
            let t = timed {
                let checked = Checker.check(SourceFile(name: "bench.prn", text: text), verbs: table)
                errors = checked.diagnostics.filter(\.isError).count
            }
            times.append(t)
        }
        times.sort()
        return BenchResult("check-1000-lines", seconds: times[times.count / 2], extra: ["errors": Double(errors)])
    }
}
