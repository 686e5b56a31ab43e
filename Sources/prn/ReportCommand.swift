import ArgumentParser
import Foundation
import Runtime

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Build tables and plots from run logs.",
        discussion: """
            Reads run logs written by 'prn run SCRIPT --log FILE' (one per seed or method, or a whole \
            sweep in one) and writes results.md, results.csv, results.json and, for every comparison \
            (model, data, granularity, scope), SVG plots of accuracy against sparsity and FLOPs, \
            per-layer widths and importance histograms. Runs of the same method and ratio with \
            different seeds are averaged (mean and sample standard deviation).
            """)

    @Argument(help: "Run logs (JSON lines).") var logs: [String]
    @Option(help: ArgumentHelp("Folder to write the tables and plots into.", valueName: "DIR")) var out: String
    @Option(help: "Markdown heading level of each comparison (2 = ##).") var headingLevel = 2
    @Option(help: ArgumentHelp("Group by this --set variable of the runs (a sweep's swept variables).", valueName: "NAME"))
    var by: [String] = []

    func validate() throws {
        if logs.isEmpty { throw ValidationError("give at least one run log, e.g. 'prn report run.jsonl --out results'") }
        if !(1...6).contains(headingLevel) { throw ValidationError("--heading-level must be 1 to 6, got \(headingLevel)") }
    }

    func run() throws {
        do { try DataRoots().checkWritable(commandLine: out, option: "--out") } catch let e as VerbError {
            FileHandle.standardError.write(Data("prn report: \(e.message)\(e.help.map { "; \($0)" } ?? "")\n".utf8))
            throw ExitCode(PrnExit.usage)
        }
        // A log that is missing or unreadable is no input (66); one that is read but is not a
        // run log is a data error (65).
        for path in logs where !FileManager.default.isReadableFile(atPath: path) {
            let exists = FileManager.default.fileExists(atPath: path)
            FileHandle.standardError.write(Data("prn report: \(path): \(exists ? "cannot read the file" : "no such file")\n".utf8))
            throw ExitCode(PrnExit.noInput)
        }
        let input: ReportInput
        do { input = try by.isEmpty ? RunLogReader.read(logs) : SweepReport.read(logs, by: by) } catch {
            FileHandle.standardError.write(Data("prn report: \(error)\n".utf8))
            throw ExitCode(PrnExit.staticError)
        }
        let summary = ReportSummary(input)
        let dir = URL(fileURLWithPath: out)
        let files: [String]
        do { files = try ReportWriter.writeAll(summary, to: dir, headingLevel: headingLevel) } catch {
            FileHandle.standardError.write(Data("prn report: cannot write into \(out): \(error)\n".utf8))
            throw ExitCode(PrnExit.ioError)
        }
        let points = input.points.count
        print("prn report: \(logs.count) log(s), \(summary.experiments.count) comparison(s), \(points) pruned model(s)")
        for f in files { print("  \(dir.appendingPathComponent(f).path)") }
    }
}
