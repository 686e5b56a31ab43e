import Language

/// `report PATH`: results as a table or plot. Not built yet; it says so.
enum ReportVerb {
    static let signature = VerbSignature(
        "report", summary: "write the results so far as a table (.md, .csv, .json) or plot (.svg)",
        arguments: [ArgumentSpec("path", .path, help: "file to write")])

    static func run(_ inv: VerbInvocation, _ s: Session) throws -> Value {
        throw VerbError("report is not available yet in this version of prn",
                        help: "the run log (prn run --log FILE) holds every result as JSON lines")
    }
}
