import Language

/// `seed N`: seeds every random stream of the session (initialisation, shuffling, scoring).
enum SeedVerb {
    static let signature = VerbSignature(
        "seed", summary: "seed every random stream; the same seed gives bitwise the same run",
        arguments: [ArgumentSpec("n", .integer(min: 0, max: Int(Int32.max)), help: "the seed")],
        provides: ["seed"])

    static func run(_ inv: VerbInvocation, _ s: Session) throws -> Value {
        s.seed = UInt64(inv.int("n") ?? 0)
        s.streamCounters = [:]
        return .none
    }
}
