import Foundation
import Tensor

/// Errors of the Model target; each message names the input and what is wrong.
public enum ModelError: Error, CustomStringConvertible, Equatable {
    case badCSV(file: String, line: Int, reason: String)
    case badData(source: String, reason: String)
    case badCheckpoint(path: String, reason: String)
    case badConfig(path: String, reason: String)
    /// A computational sequence (.csd): the file and the HDF5 path inside it.
    case badCSD(file: String, path: String, reason: String)

    public var description: String {
        switch self {
        case let .badCSV(f, l, r): "CSV file \(f), line \(l): \(r)"
        case let .badData(s, r): "dataset \(s): \(r)"
        case let .badCheckpoint(p, r): "checkpoint \(p): \(r)"
        case let .badConfig(p, r): "config \(p): \(r)"
        case let .badCSD(f, p, r): "computational sequence \(f), \(p): \(r)"
        }
    }
}

/// One split of a dataset: labels, ids, texts and whichever modality inputs it has.
/// Text may be given as precomputed representations F_t (rows of `textFeatures`).
public struct SplitData: Sendable {
    public var ids: [String] = []
    public var texts: [String] = []
    public var labels: [Float] = []
    /// [N, textDim] when present.
    public var textFeatures: Tensor?
    /// Per sample [T_i, d] sequences when present (T_i = 0: nothing observed, e.g. no face).
    public var audio: [Tensor]?
    public var visual: [Tensor]?

    public init() {}
    public var count: Int { labels.count }

    /// The inputs of samples `indexes`, sequences zero-padded to the longest in the batch.
    public func input(_ indexes: [Int], modalities: [Modality]) -> ModelInput {
        var inp = ModelInput()
        if modalities.contains(.text), let tf = textFeatures {
            let d = tf.shape[1]
            var data = [Float](); data.reserveCapacity(indexes.count * d)
            for i in indexes { data += tf.data[(i * d)..<((i + 1) * d)] }
            inp.text = Tensor(shape: [indexes.count, d], data: data)
        }
        func pad(_ seqs: [Tensor]) -> (Tensor, [Int]) {
            let lengths = indexes.map { seqs[$0].shape[0] }
            let t = max(lengths.max() ?? 1, 1), d = seqs[indexes[0]].shape[1]
            var data = [Float](repeating: 0, count: indexes.count * t * d)
            for (r, i) in indexes.enumerated() {
                let s = seqs[i]
                for k in 0..<s.count { data[r * t * d + k] = s.data[k] }
            }
            return (Tensor(shape: [indexes.count, t, d], data: data), lengths)
        }
        if modalities.contains(.audio), let a = audio { (inp.audio, inp.audioLengths) = pad(a) }
        if modalities.contains(.visual), let v = visual { (inp.visual, inp.visualLengths) = pad(v) }
        return inp
    }

    /// Replaces NaN and ±∞ in every feature by 0; returns how many were replaced.
    public mutating func zeroNonFinite() -> Int {
        var n = 0
        func fix(_ t: inout Tensor) { for i in 0..<t.data.count where !t.data[i].isFinite { t.data[i] = 0; n += 1 } }
        if var t = textFeatures { fix(&t); textFeatures = t }
        if var a = audio { for i in a.indices { fix(&a[i]) }; audio = a }
        if var v = visual { for i in v.indices { fix(&v[i]) }; visual = v }
        return n
    }
}

/// A dataset with MMSA's three splits.
public struct DatasetSplits: Sendable {
    public var train = SplitData(), valid = SplitData(), test = SplitData()
    public init() {}
    public subscript(_ name: String) -> SplitData? {
        switch name { case "train": train; case "valid": valid; case "test": test; default: nil }
    }
}

/// MMSA's label.csv layout: `video_id,clip_id,text,label,mode` (extra columns such as
/// label_T/A/V and annotation are allowed and ignored). RFC 4180 quoting.
public enum LabelsCSV {
    public struct Row: Sendable, Equatable {
        public var videoID: String, clipID: String, text: String, label: Float, mode: String
        public var id: String { "\(videoID)$_$\(clipID)" }
    }

    public static func read(_ url: URL) throws -> [Row] {
        let data: Data
        do { data = try Data(contentsOf: url) } catch { throw ModelError.badData(source: url.path, reason: "cannot read: \(error.localizedDescription)") }
        guard let text = String(data: data, encoding: .utf8) else { throw ModelError.badCSV(file: url.path, line: 1, reason: "not UTF-8") }
        return try parse(text, file: url.path)
    }

    public static func parse(_ text: String, file: String = "<memory>") throws -> [Row] {
        let records = try records(text, file: file)
        guard let (headerLine, header) = records.first else { throw ModelError.badCSV(file: file, line: 1, reason: "empty file") }
        func col(_ name: String) throws -> Int {
            guard let i = header.firstIndex(of: name) else {
                throw ModelError.badCSV(file: file, line: headerLine, reason: "header lacks column '\(name)' (has \(header.joined(separator: ",")))")
            }
            return i
        }
        let (cv, cc, ct, cl, cm) = (try col("video_id"), try col("clip_id"), try col("text"), try col("label"), try col("mode"))
        var rows: [Row] = []
        for (line, f) in records.dropFirst() {
            if f.count == 1 && f[0].isEmpty { continue }
            guard f.count == header.count else {
                throw ModelError.badCSV(file: file, line: line, reason: "\(f.count) fields, header has \(header.count)")
            }
            guard let y = Float(f[cl].trimmingCharacters(in: .whitespaces)), y.isFinite else {
                throw ModelError.badCSV(file: file, line: line, reason: "label '\(f[cl])' is not a finite number")
            }
            let mode = f[cm].trimmingCharacters(in: .whitespaces)
            guard ["train", "valid", "test"].contains(mode) else {
                throw ModelError.badCSV(file: file, line: line, reason: "mode '\(mode)' is not train, valid or test")
            }
            rows.append(Row(videoID: f[cv], clipID: f[cc], text: f[ct], label: y, mode: mode))
        }
        return rows
    }

    /// Splits a CSV text into records (with the 1-based line each starts on).
    static func records(_ text: String, file: String) throws -> [(Int, [String])] {
        var out: [(Int, [String])] = []
        var field = "", fields: [String] = []
        var inQuotes = false, line = 1, start = 1, afterQuote = false
        var it = Array(text.unicodeScalars).makeIterator()
        var pending: Unicode.Scalar? = nil
        func next() -> Unicode.Scalar? { if let p = pending { pending = nil; return p }; return it.next() }
        while let c = next() {
            if inQuotes {
                if c == "\"" {
                    if let d = next() {
                        if d == "\"" { field.unicodeScalars.append("\"") } else { inQuotes = false; afterQuote = true; pending = d }
                    } else { inQuotes = false }
                } else {
                    if c == "\n" { line += 1 }
                    field.unicodeScalars.append(c)
                }
                continue
            }
            switch c {
            case ",": fields.append(field); field = ""; afterQuote = false
            case "\r": continue
            case "\n":
                fields.append(field); out.append((start, fields)); fields = []; field = ""; afterQuote = false
                line += 1; start = line
            case "\"":
                if field.isEmpty && !afterQuote { inQuotes = true } else {
                    throw ModelError.badCSV(file: file, line: line, reason: "stray quote inside an unquoted field")
                }
            default:
                if afterQuote { throw ModelError.badCSV(file: file, line: line, reason: "text after a closing quote") }
                field.unicodeScalars.append(c)
            }
        }
        if inQuotes { throw ModelError.badCSV(file: file, line: start, reason: "quoted field not closed at end of file") }
        if !field.isEmpty || !fields.isEmpty { fields.append(field); out.append((start, fields)) }
        return out
    }

    /// Rows grouped into splits (texts, labels, ids; no features).
    public static func splits(_ rows: [Row]) -> DatasetSplits {
        var d = DatasetSplits()
        for r in rows {
            switch r.mode {
            case "train": d.train.append(r)
            case "valid": d.valid.append(r)
            default: d.test.append(r)
            }
        }
        return d
    }
}

extension SplitData {
    mutating func append(_ r: LabelsCSV.Row) { ids.append(r.id); texts.append(r.text); labels.append(r.label) }
}
