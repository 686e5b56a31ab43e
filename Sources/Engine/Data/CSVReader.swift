import Foundation

/// Reads a table of numeric features with one integer class label per row into [N, F].
///
/// Cells are separated by commas (surrounding spaces and double quotes are ignored; quoted
/// cells containing commas are not supported). Features are taken as they are: no [0, 1]
/// scaling, since a table's columns have no common range. Labels must be integers >= 0.
public enum CSVReader {
    public enum LabelColumn: Sendable, Equatable {
        case last, first
        /// Zero-based column index.
        case index(Int)
        /// Column name from the header row.
        case named(String)
    }

    public enum Header: Sendable, Equatable {
        /// A first row with any non-numeric cell is taken as the header.
        case auto, present, absent
    }

    public struct Options: Sendable, Equatable {
        public var labelColumn: LabelColumn
        public var header: Header
        /// Number of classes; nil means the largest label + 1.
        public var classes: Int?

        public init(labelColumn: LabelColumn = .last, header: Header = .auto, classes: Int? = nil) {
            self.labelColumn = labelColumn
            self.header = header
            self.classes = classes
        }
    }

    public static func load(_ url: URL, options: Options = Options(), name: String? = nil) throws -> Dataset {
        let bytes = try FileBytes.read(url)
        let path = url.path
        guard let text = String(bytes: bytes, encoding: .utf8) else {
            throw DataError(.badEncoding, "\(path): is not UTF-8 text; save the table as plain CSV")
        }
        return try parse(text, path: path, options: options, name: name ?? url.deletingPathExtension().lastPathComponent)
    }

    /// Parses CSV text; `path` only appears in error messages.
    public static func parse(_ text: String, path: String, options: Options = Options(), name: String) throws -> Dataset {
        var rows = [(line: Int, cells: [Substring])]()
        // "\r\n" is a single Character in Swift, so Windows line ends must be matched as such.
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
        for (i, rawLine) in lines.enumerated() {
            let line = rawLine.hasSuffix("\r") ? rawLine.dropLast() : rawLine
            if line.allSatisfy({ $0 == " " || $0 == "\t" }) { continue }
            rows.append((i + 1, line.split(separator: ",", omittingEmptySubsequences: false).map(clean)))
        }
        guard let first = rows.first else {
            throw DataError(.emptyDataset, "\(path): the file has no rows")
        }
        let hasHeader: Bool
        switch options.header {
        case .present: hasHeader = true
        case .absent: hasHeader = false
        case .auto: hasHeader = first.cells.contains { parseNumber($0) == nil }
        }
        let headerNames = hasHeader ? first.cells.map(String.init) : nil
        if hasHeader { rows.removeFirst() }
        let width = first.cells.count
        guard width >= 2 else {
            throw DataError(.badShape, "\(path):\(first.line): a row needs at least one feature and a label, found \(width) column; is the separator a comma?")
        }
        let labelIndex = try resolveLabelColumn(options.labelColumn, width: width, header: headerNames, path: path)
        guard !rows.isEmpty else {
            throw DataError(.emptyDataset, "\(path): the file has a header but no data rows")
        }
        let features = width - 1
        let samples = Tensor(shape: [rows.count, features], zeroed: false)
        var labels = [Int32]()
        labels.reserveCapacity(rows.count)
        for (r, row) in rows.enumerated() {
            guard row.cells.count == width else {
                throw DataError(.badShape, "\(path):\(row.line): \(row.cells.count) columns where the first row has \(width); every row needs the same columns")
            }
            var out = samples.data + r * features
            for (c, cell) in row.cells.enumerated() {
                guard let value = parseNumber(cell) else {
                    let column = headerNames.map { " (\($0[c]))" } ?? ""
                    throw DataError(.badCell, "\(path):\(row.line):\(c + 1): column \(c + 1)\(column) holds '\(cell)', which is not a finite number; fix or remove that row")
                }
                if c == labelIndex {
                    guard let label = Int32(exactly: value), label >= 0 else {
                        throw DataError(.labelOutOfRange, "\(path):\(row.line):\(c + 1): label '\(cell)' is not a class index (an integer >= 0)")
                    }
                    if let k = options.classes, Int(label) >= k {
                        throw DataError(.labelOutOfRange, "\(path):\(row.line):\(c + 1): label \(label) is outside 0..<\(k) for classes=\(k)")
                    }
                    labels.append(label)
                } else {
                    out.pointee = Float(value)
                    out += 1
                }
            }
        }
        let classes = options.classes ?? Int(labels.max() ?? 0) + 1
        return try Dataset(name: name, samples: samples, labels: labels, classes: classes)
    }

    private static func resolveLabelColumn(_ column: LabelColumn, width: Int, header: [String]?, path: String) throws -> Int {
        switch column {
        case .last: return width - 1
        case .first: return 0
        case .index(let i):
            guard i >= 0, i < width else {
                throw DataError(.badOption, "\(path): label column \(i) does not exist; columns are 0..<\(width)")
            }
            return i
        case .named(let name):
            guard let header else {
                throw DataError(.badOption, "\(path): label column '\(name)' is named but the file has no header row; give the column index instead")
            }
            guard let i = header.firstIndex(of: name) else {
                throw DataError(.badOption, "\(path): no column named '\(name)'; the header has \(header.joined(separator: ", "))")
            }
            return i
        }
    }

    private static func clean(_ cell: Substring) -> Substring {
        var s = cell.drop { $0 == " " || $0 == "\t" }
        while let last = s.last, last == " " || last == "\t" { s = s.dropLast() }
        if s.count >= 2, s.first == "\"", s.last == "\"" { s = s.dropFirst().dropLast() }
        return s
    }

    private static func parseNumber(_ cell: Substring) -> Double? {
        // Values beyond Float's range would silently become infinity in the tensor.
        guard let v = Double(cell), v.isFinite, abs(v) <= Double(Float.greatestFiniteMagnitude) else { return nil }
        return v
    }
}
