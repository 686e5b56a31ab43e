/// "Did you mean" suggestions by Damerau-Levenshtein (optimal string alignment) distance.
public enum Suggestions {
    /// Edit distance counting insertions, deletions, substitutions and adjacent transpositions.
    public static func distance(_ a: String, _ b: String) -> Int {
        let s = Array(a.unicodeScalars)
        let t = Array(b.unicodeScalars)
        if s.isEmpty { return t.count }
        if t.isEmpty { return s.count }
        let width = t.count + 1
        // Three rolling rows: two back (for transpositions), previous and current.
        var twoBack = [Int](repeating: 0, count: width)
        var previous = Array(0...t.count)
        var current = [Int](repeating: 0, count: width)
        for i in 1...s.count {
            current[0] = i
            for j in 1...t.count {
                let cost = s[i - 1] == t[j - 1] ? 0 : 1
                var best = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1, j > 1, s[i - 1] == t[j - 2], s[i - 2] == t[j - 1] {
                    best = min(best, twoBack[j - 2] + 1)
                }
                current[j] = best
            }
            swap(&twoBack, &previous)
            swap(&previous, &current)
        }
        return previous[t.count]
    }

    /// The largest distance still worth suggesting: short words tolerate one edit, longer ones more.
    public static func threshold(forLength length: Int) -> Int {
        switch length {
        case ..<3: return 1
        case 3...5: return 2
        default: return max(2, length / 3)
        }
    }

    /// The closest candidate within the threshold; ties go to the earlier candidate.
    public static func closest<S: Sequence>(to word: String, among candidates: S) -> String?
    where S.Element == String {
        let limit = threshold(forLength: word.unicodeScalars.count)
        var best: (name: String, distance: Int)?
        for candidate in candidates where candidate != word {
            let d = distance(word.lowercased(), candidate.lowercased())
            if d <= limit, d < (best?.distance ?? Int.max) { best = (candidate, d) }
        }
        return best?.name
    }

    /// "did you mean 'x'?" or nil.
    public static func help(for word: String, among candidates: [String]) -> String? {
        closest(to: word, among: candidates).map { "did you mean '\($0)'?" }
    }
}
