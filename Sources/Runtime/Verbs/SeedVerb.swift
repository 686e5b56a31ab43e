import Language

/// `seed N`: seeds every random stream of the session (initialisation, shuffling, scoring).
enum SeedVerb {
    static let n = RequiredArgument<Int>.integer("n", 0...Int(Int32.max), help: "the seed")

    static let signature = VerbSignature(
        "seed", summary: "seed every random stream; the same seed gives bitwise the same run",
        arguments: [n.argument],
        provides: ["seed"])

    static func run(_ inv: VerbInvocation, _ s: Session) throws -> Value {
        s.seed = UInt64(try inv[n])
        s.streamCounters = [:]
        return .none
    }
}
