import Foundation

/// `sentio serve` settings: one stream per file as in systemd/cam1.toml, or several under
/// `[[streams]]`, with flags for the same settings.
struct ServeConfiguration: Sendable, Equatable {
    struct Stream: Sendable, Equatable {
        var name: String
        var input: String
        var inputOptions: [String: String] = [:]
        var timeout: Double = 10
        var reconnectMax: Double = 60
        /// "captions", "none", "asr", "file" (with `transcriptPath`), "feed" (with `transcriptEndpoint`).
        var transcriptSource: String = "captions"
        var transcriptPath: String?
        var transcriptEndpoint: String?
        var model: String?
    }

    var publish: String = "tcp://127.0.0.1:5556"
    var heartbeat: Double = 5
    var model: String = "models/sentio-default"
    var streams: [Stream] = []

    struct ParseError: Error, CustomStringConvertible {
        var file: String
        var line: Int
        var reason: String
        var description: String { "\(file):\(line): \(reason)" }
    }

    /// A small TOML reader for this file's shape: `key = value` (strings, numbers, booleans,
    /// inline tables of strings), `[transcript]` and `[[streams]]` / `[streams.transcript]`.
    static func parse(_ text: String, file: String) throws -> ServeConfiguration {
        var config = ServeConfiguration()
        var top = Stream(name: "", input: "")
        var topUsed = false
        var current: Int? = nil  // index into config.streams, or nil for the top level
        var inTranscript = false
        for (number, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = stripComment(String(raw)).trimmingCharacters(in: .whitespaces)
            if line.isEmpty { continue }
            if line == "[[streams]]" {
                config.streams.append(Stream(name: "", input: ""))
                current = config.streams.count - 1
                inTranscript = false
                continue
            }
            if line == "[transcript]" || line == "[streams.transcript]" {
                inTranscript = true
                continue
            }
            if line.hasPrefix("[") {
                throw ParseError(file: file, line: number + 1, reason: "unknown table \(line)")
            }
            guard let equals = line.firstIndex(of: "=") else {
                throw ParseError(file: file, line: number + 1, reason: "expected key = value")
            }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces)
            let value = try parseValue(line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces),
                                       file: file, line: number + 1)
            func apply(_ stream: inout Stream) throws {
                switch (inTranscript, key) {
                case (true, "source"): stream.transcriptSource = try value.string(key, file, number + 1)
                case (true, "path"): stream.transcriptPath = try value.string(key, file, number + 1)
                case (true, "endpoint"): stream.transcriptEndpoint = try value.string(key, file, number + 1)
                case (false, "stream"), (false, "name"): stream.name = try value.string(key, file, number + 1)
                case (false, "input"): stream.input = try value.string(key, file, number + 1)
                // Shorthand for `[transcript] source = …` (captions, none, asr).
                case (false, "transcript"): stream.transcriptSource = try value.string(key, file, number + 1)
                case (false, "input_options"): stream.inputOptions = try value.table(key, file, number + 1)
                case (false, "timeout"): stream.timeout = try value.number(key, file, number + 1)
                case (false, "reconnect_max"): stream.reconnectMax = try value.number(key, file, number + 1)
                case (false, "model") where current != nil: stream.model = try value.string(key, file, number + 1)
                default: throw ParseError(file: file, line: number + 1, reason: "unknown key '\(key)'")
                }
            }
            if let current {
                try apply(&config.streams[current])
            } else {
                switch (inTranscript, key) {
                case (false, "publish"): config.publish = try value.string(key, file, number + 1)
                case (false, "heartbeat"): config.heartbeat = try value.number(key, file, number + 1)
                case (false, "model"): config.model = try value.string(key, file, number + 1)
                default:
                    try apply(&top)
                    topUsed = true
                }
            }
        }
        if topUsed { config.streams.insert(top, at: 0) }
        return config
    }

    enum Value {
        case string(String), number(Double), bool(Bool), table([String: String])

        func string(_ key: String, _ file: String, _ line: Int) throws -> String {
            if case .string(let s) = self { return s }
            throw ParseError(file: file, line: line, reason: "'\(key)' must be a string in quotes")
        }
        func number(_ key: String, _ file: String, _ line: Int) throws -> Double {
            if case .number(let n) = self { return n }
            throw ParseError(file: file, line: line, reason: "'\(key)' must be a number")
        }
        func table(_ key: String, _ file: String, _ line: Int) throws -> [String: String] {
            if case .table(let t) = self { return t }
            throw ParseError(file: file, line: line, reason: "'\(key)' must be an inline table { key = \"value\" }")
        }
    }

    static func parseValue(_ text: String, file: String, line: Int) throws -> Value {
        if text.hasPrefix("\"") {
            guard text.count >= 2, text.hasSuffix("\"") else { throw ParseError(file: file, line: line, reason: "unterminated string") }
            return .string(String(text.dropFirst().dropLast()).replacingOccurrences(of: "\\\"", with: "\""))
        }
        if text == "true" || text == "false" { return .bool(text == "true") }
        if let number = Double(text.replacingOccurrences(of: "_", with: "")) { return .number(number) }
        if text.hasPrefix("{"), text.hasSuffix("}") {
            var table: [String: String] = [:]
            for pair in text.dropFirst().dropLast().split(separator: ",") {
                let parts = pair.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                guard parts.count == 2, case .string(let value)? = try? parseValue(parts[1], file: file, line: line) else {
                    throw ParseError(file: file, line: line, reason: "inline table entries are key = \"value\"")
                }
                table[parts[0]] = value
            }
            return .table(table)
        }
        throw ParseError(file: file, line: line, reason: "cannot read the value \(text)")
    }

    /// Drops a `#` comment that is not inside a string.
    static func stripComment(_ line: String) -> String {
        var inString = false
        var out = ""
        for character in line {
            if character == "\"" { inString.toggle() }
            if character == "#" && !inString { break }
            out.append(character)
        }
        return out
    }
}
