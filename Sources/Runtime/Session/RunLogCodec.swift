import Foundation

/// The one place a run-log line is turned into JSON and back. The writer (RunLog) and the reader
/// (RunLogReader, for `prn report`) both go through it, so a field prn writes is a field prn can
/// read. Reading is strict: an unknown event, a missing or unknown field, or a field of the wrong
/// type is an error naming the field, never a default.
public enum RunLogCodec {
    public struct Problem: Error, CustomStringConvertible, Equatable {
        public var description: String
    }

    /// The record as one JSON line (no newline), keys sorted.
    public static func encode(_ record: RunLogRecord) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(record), as: UTF8.self)
    }

    /// The record of one line already parsed into a JSON object (the reader range-checks that
    /// object first, see RunLogNumbers).
    public static func decode(line: Data, object: [String: Any]) throws -> RunLogRecord {
        let record: RunLogRecord
        do { record = try JSONDecoder().decode(RunLogRecord.self, from: line) } catch let error as DecodingError {
            throw Problem(description: describe(error))
        }
        // Decoding skips keys it does not know; writing the record again shows which those were.
        let known = try JSONSerialization.jsonObject(with: Data(try encode(record).utf8))
        if let extra = unknownField(in: object, known: known, path: "", event: record.event.name) {
            throw Problem(description: extra)
        }
        return record
    }

    /// The record of one line of text.
    public static func decode(line: String) throws -> RunLogRecord {
        let data = Data(line.utf8)
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw Problem(description: "not a JSON object")
        }
        return try decode(line: data, object: object)
    }

    /// The first field of `raw` that `known` (the decoded record written again) lacks, described,
    /// or nil.
    static func unknownField(in raw: Any, known: Any, path: String, event: String) -> String? {
        switch raw {
        case let object as [String: Any]:
            let knownObject = known as? [String: Any] ?? [:]
            for key in object.keys.sorted() {
                let field = path.isEmpty ? key : "\(path).\(key)"
                guard let inner = knownObject[key] else {
                    return object[key] is NSNull ? "\"\(field)\" is null; a field without a value is left out"
                                                 : "unknown field \"\(field)\" in a \"\(event)\" event"
                }
                if let problem = unknownField(in: object[key]!, known: inner, path: field, event: event) { return problem }
            }
        case let list as [Any]:
            let knownList = known as? [Any] ?? []
            for (i, item) in list.enumerated() where i < knownList.count {
                if let problem = unknownField(in: item, known: knownList[i], path: "\(path)[\(i)]", event: event) {
                    return problem
                }
            }
        default: break
        }
        return nil
    }

    static func describe(_ error: DecodingError) -> String {
        func field(_ path: [CodingKey], _ last: CodingKey? = nil) -> String {
            let keys = path + (last.map { [$0] } ?? [])
            var text = ""
            for key in keys {
                if let i = key.intValue { text += "[\(i)]" } else { text += text.isEmpty ? key.stringValue : ".\(key.stringValue)" }
            }
            return "\"\(text)\""
        }
        switch error {
        case .keyNotFound(let key, let context):
            return "missing field \(field(context.codingPath, key))"
        case .typeMismatch(let type, let context):
            return "\(field(context.codingPath)) is not \(noun(type))"
        case .valueNotFound(let type, let context):
            return "\(field(context.codingPath)) is null; expected \(noun(type))"
        case .dataCorrupted(let context):
            return context.codingPath.isEmpty ? context.debugDescription
                                              : "\(field(context.codingPath)): \(context.debugDescription)"
        @unknown default:
            return "\(error)"
        }
    }

    static func noun(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: return "text"
        case is Int.Type, is UInt64.Type: return "a whole number"
        case is Double.Type: return "a number"
        case is Bool.Type: return "true or false"
        default:
            let name = "\(type)"
            if name.hasPrefix("Array") { return "a list" }
            if name.hasPrefix("Dictionary") { return "an object" }
            return "a \(name.split(separator: ".").last.map(String.init) ?? name)"
        }
    }
}

extension RunLogRecord: Codable {
    private enum Key: String, CodingKey { case event, seed }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: Key.self)
        seed = try c.decodeIfPresent(UInt64.self, forKey: .seed)
        let name = try c.decode(String.self, forKey: .event)
        switch name {
        case "manifest": event = .manifest(try .init(from: decoder))
        case "data": event = .data(try .init(from: decoder))
        case "load": event = .load(try .init(from: decoder))
        case "epoch": event = .epoch(try .init(from: decoder))
        case "train": event = .train(try Self.training(decoder))
        case "finetune": event = .finetune(try Self.training(decoder))
        case "eval": event = .eval(try .init(from: decoder))
        case "score": event = .score(try .init(from: decoder))
        case "prune": event = .prune(try .init(from: decoder))
        case "save": event = .save(try .init(from: decoder))
        case "export": event = .export(try .init(from: decoder))
        case "rewind": event = .rewind(try .init(from: decoder))
        case "interrupted": event = .interrupted(try .init(from: decoder))
        case "end": event = .end(try .init(from: decoder))
        default:
            throw DecodingError.dataCorruptedError(forKey: .event, in: c, debugDescription: "unknown event \"\(name)\"")
        }
    }

    /// A stopped training says so with `interrupted`; a completed one has no such field.
    private static func training(_ decoder: Decoder) throws -> RunLogEvent.Training {
        let c = try decoder.container(keyedBy: RunLogEvent.TrainingStopped.CodingKeys.self)
        if c.contains(.interrupted) { return .stopped(try .init(from: decoder)) }
        return .completed(try .init(from: decoder))
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        try c.encode(event.name, forKey: .event)
        try c.encodeIfPresent(seed, forKey: .seed)
        switch event {
        case .manifest(let e): try e.encode(to: encoder)
        case .data(let e): try e.encode(to: encoder)
        case .load(let e): try e.encode(to: encoder)
        case .epoch(let e): try e.encode(to: encoder)
        case .train(let e), .finetune(let e):
            switch e {
            case .completed(let t): try t.encode(to: encoder)
            case .stopped(let t): try t.encode(to: encoder)
            }
        case .eval(let e): try e.encode(to: encoder)
        case .score(let e): try e.encode(to: encoder)
        case .prune(let e): try e.encode(to: encoder)
        case .save(let e), .export(let e): try e.encode(to: encoder)
        case .rewind(let e): try e.encode(to: encoder)
        case .interrupted(let e): try e.encode(to: encoder)
        case .end(let e): try e.encode(to: encoder)
        }
    }
}
