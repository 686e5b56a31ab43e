import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import XCTest

/// Structural checks of report files: SVG parsed as XML, CSV and markdown tables cell by cell.
enum ReportFormatChecks {
    /// What an SVG holds, by the classes the report's elements carry.
    final class SVGContents: NSObject, XMLParserDelegate {
        var root = ""
        var classes: [String: Int] = [:]
        var texts: [(cls: String, text: String)] = []
        var elements = 0
        private var open: [String] = []
        private var buffer = ""

        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                    attributes: [String: String]) {
            if root.isEmpty { root = name }
            elements += 1
            let cls = attributes["class"] ?? ""
            for c in cls.split(separator: " ") { classes[String(c), default: 0] += 1 }
            open.append(cls)
            buffer = ""
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) { buffer += string }

        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            let cls = open.popLast() ?? ""
            if name == "text" { texts.append((cls, buffer)) }
            buffer = ""
        }

        func texts(_ cls: String) -> [String] { texts.filter { $0.cls == cls }.map(\.text) }
    }

    static func parseSVG(_ url: URL, file: StaticString = #filePath, line: UInt = #line) throws -> SVGContents {
        let parser = try XCTUnwrap(XMLParser(contentsOf: url), file: file, line: line)
        let contents = SVGContents()
        parser.delegate = contents
        XCTAssertTrue(parser.parse(), "\(url.lastPathComponent): not well-formed XML: \(String(describing: parser.parserError))",
                      file: file, line: line)
        XCTAssertEqual(contents.root, "svg", file: file, line: line)
        return contents
    }

    /// A readable plot: title, both axes with labels, numeric tick labels and a legend naming `legend`.
    static func checkPlot(_ url: URL, legend: [String], numericX: Bool = true, file: StaticString = #filePath, line: UInt = #line) throws {
        let svg = try parseSVG(url, file: file, line: line)
        let name = url.lastPathComponent
        XCTAssertFalse(svg.texts("title").isEmpty, "\(name): no title", file: file, line: line)
        XCTAssertGreaterThanOrEqual(svg.classes["x-axis", default: 0], 1, "\(name): no x axis", file: file, line: line)
        XCTAssertGreaterThanOrEqual(svg.classes["y-axis", default: 0], 1, "\(name): no y axis", file: file, line: line)
        XCTAssertGreaterThanOrEqual(svg.texts("axis-label").count, 2, "\(name): axis labels", file: file, line: line)
        XCTAssertTrue(svg.texts("axis-label").allSatisfy { !$0.isEmpty }, "\(name): empty axis label", file: file, line: line)
        let ticks = svg.texts("tick-label")
        XCTAssertGreaterThanOrEqual(ticks.count, 4, "\(name): tick labels \(ticks)", file: file, line: line)
        let numeric = ticks.filter { Double($0.trimmingCharacters(in: CharacterSet(charactersIn: "KMGe%"))) != nil || $0.contains("e") }
        XCTAssertGreaterThanOrEqual(numeric.count, numericX ? 4 : 2, "\(name): numeric ticks in \(ticks)", file: file, line: line)
        XCTAssertGreaterThanOrEqual(svg.classes["legend", default: 0], 1, "\(name): no legend", file: file, line: line)
        let labels = svg.texts("legend-label")
        for l in legend {
            XCTAssertTrue(labels.contains { $0.hasPrefix(l) }, "\(name): legend \(labels) lacks \(l)", file: file, line: line)
        }
        XCTAssertGreaterThanOrEqual(svg.classes["series", default: 0], legend.count, "\(name): one series per method", file: file, line: line)
    }

    /// RFC 4180 fields of one line (quotes and doubled quotes).
    static func csvFields(_ line: String) -> [String] {
        var fields: [String] = [], field = "", quoted = false
        var chars = Array(line)[...]
        while let c = chars.popFirst() {
            if quoted {
                if c == "\"" { if chars.first == "\"" { field.append("\""); chars = chars.dropFirst() } else { quoted = false } }
                else { field.append(c) }
            } else if c == "\"" { quoted = true }
            else if c == "," { fields.append(field); field = "" }
            else { field.append(c) }
        }
        fields.append(field)
        return fields
    }

    /// Header plus rows with the same number of fields: the rows as dictionaries, and problems.
    static func csvProblems(_ text: String) -> (rows: [[String: String]], problems: [String]) {
        let lines = text.split(separator: "\n").map(String.init)
        guard let header = lines.first.map(csvFields) else { return ([], ["empty CSV"]) }
        var problems: [String] = []
        if Set(header).count != header.count { problems.append("duplicate CSV columns") }
        let rows = lines.dropFirst().enumerated().map { i, l in
            let f = csvFields(l)
            if f.count != header.count { problems.append("CSV line \(i + 2) has \(f.count) fields, header \(header.count)") }
            return Dictionary(zip(header, f).map { ($0, $1) }, uniquingKeysWith: { a, _ in a })
        }
        return (rows, problems)
    }

    static func checkCSV(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> [[String: String]] {
        let (rows, problems) = csvProblems(text)
        XCTAssertEqual(problems, [], file: file, line: line)
        return rows
    }

    /// Every markdown table: a header, a separator of --- cells, rows of the same width.
    /// Returns the number of data rows and the problems found.
    static func markdownProblems(_ text: String) -> (rows: Int, problems: [String]) {
        func cells(_ l: String) -> [String] {
            var out: [String] = [], cur = "", escaped = false
            for c in l.dropFirst().dropLast() {
                if escaped { cur.append(c); escaped = false } else if c == "\\" { escaped = true; cur.append(c) }
                else if c == "|" { out.append(cur); cur = "" } else { cur.append(c) }
            }
            out.append(cur)
            return out
        }
        var rows = 0, problems: [String] = []
        var block: [String] = []
        for l in text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) + [""] {
            if l.hasPrefix("|") { block.append(l); continue }
            if !block.isEmpty {
                defer { block = [] }
                guard block.count >= 2 else { problems.append("table without separator: \(block)"); continue }
                if !block.allSatisfy({ $0.hasSuffix("|") }) { problems.append("a table row does not end in |") }
                let width = cells(block[0]).count
                if !cells(block[1]).allSatisfy({ $0.range(of: #"^\s*:?-{3,}:?\s*$"#, options: .regularExpression) != nil }) {
                    problems.append("bad separator row \(block[1])")
                }
                for r in block where cells(r).count != width { problems.append("row width \(cells(r).count) != \(width): \(r)") }
                rows += block.count - 2
            }
        }
        return (rows, problems)
    }

    static func checkMarkdownTables(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> Int {
        let (rows, problems) = markdownProblems(text)
        XCTAssertEqual(problems, [], file: file, line: line)
        return rows
    }
}
