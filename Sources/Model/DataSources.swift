import Foundation
import Tensor
import Text

/// A dataset as one safetensors file: for each split s in train/valid/test, `s.labels` [N],
/// and any of `s.text` [N, d], `s.audio` [N, T, d] with `s.audio_lengths` [N], `s.visual`
/// [N, T, d] with `s.visual_lengths` [N] (lengths stored as Float32 counts).
public enum DatasetFile {
    public static func read(_ url: URL) throws -> DatasetSplits {
        let f: SafetensorsFile
        do { f = try SafetensorsFile(contentsOf: url) } catch { throw ModelError.badData(source: url.path, reason: "\(error)") }
        var d = DatasetSplits()
        for name in ["train", "valid", "test"] {
            guard f.entries["\(name).labels"] != nil else { throw ModelError.badData(source: url.path, reason: "missing tensor \(name).labels") }
            var s = SplitData()
            let y = try f.tensor("\(name).labels")
            guard y.rank == 1 else { throw ModelError.badData(source: url.path, reason: "\(name).labels has shape \(y.shape), expected [N]") }
            s.labels = y.data
            let n = y.count
            s.ids = (0..<n).map { "\(name)-\($0)" }
            if f.entries["\(name).text"] != nil {
                let t = try f.tensor("\(name).text")
                guard t.rank == 2, t.shape[0] == n else { throw ModelError.badData(source: url.path, reason: "\(name).text has shape \(t.shape), expected [\(n), d]") }
                s.textFeatures = t
            }
            func seq(_ key: String) throws -> [Tensor]? {
                guard f.entries["\(name).\(key)"] != nil else { return nil }
                let x = try f.tensor("\(name).\(key)")
                guard x.rank == 3, x.shape[0] == n else { throw ModelError.badData(source: url.path, reason: "\(name).\(key) has shape \(x.shape), expected [\(n), T, d]") }
                guard f.entries["\(name).\(key)_lengths"] != nil else { throw ModelError.badData(source: url.path, reason: "missing tensor \(name).\(key)_lengths") }
                let l = try f.tensor("\(name).\(key)_lengths")
                guard l.shape == [n] else { throw ModelError.badData(source: url.path, reason: "\(name).\(key)_lengths has shape \(l.shape), expected [\(n)]") }
                let (T, dd) = (x.shape[1], x.shape[2])
                return try (0..<n).map { i in
                    let len = Int(l.data[i])
                    guard Float(len) == l.data[i], len >= 1, len <= T else {
                        throw ModelError.badData(source: url.path, reason: "\(name).\(key)_lengths[\(i)] = \(l.data[i]) not an integer in 1...\(T)")
                    }
                    return Tensor(shape: [len, dd], data: Array(x.data[(i * T * dd)..<(i * T * dd + len * dd)]))
                }
            }
            s.audio = try seq("audio")
            s.visual = try seq("visual")
            switch name { case "train": d.train = s; case "valid": d.valid = s; default: d.test = s }
        }
        return d
    }

    public static func write(_ d: DatasetSplits, to url: URL) throws {
        var t: [String: Tensor] = [:]
        for (name, s) in [("train", d.train), ("valid", d.valid), ("test", d.test)] {
            t["\(name).labels"] = Tensor(shape: [s.count], data: s.labels)
            if let x = s.textFeatures { t["\(name).text"] = x }
            for (key, seqs) in [("audio", s.audio), ("visual", s.visual)] {
                guard let seqs, let first = seqs.first else { continue }
                let T = seqs.map { $0.shape[0] }.max() ?? 1, dd = first.shape[1]
                var data = [Float](repeating: 0, count: seqs.count * T * dd)
                for (i, q) in seqs.enumerated() { for k in 0..<q.count { data[i * T * dd + k] = q.data[k] } }
                t["\(name).\(key)"] = Tensor(shape: [seqs.count, T, dd], data: data)
                t["\(name).\(key)_lengths"] = Tensor(shape: [seqs.count], data: seqs.map { Float($0.shape[0]) })
            }
        }
        try SafetensorsFile.write(t, to: url)
    }
}

/// Synthetic multimodal sentiment data: a shared sentiment part s seen by every modality
/// and a private part p_m seen only by modality m; y = clip(s + ½(p_t + p_a + p_v), ±3).
/// Text is one noisy vector; audio and visual are noisy sequences of random true lengths
/// whose per-step mean carries the signal, so a model needs every modality (and the LSTMs
/// must read the true lengths) to predict y well.
public enum Synthetic {
    public struct Spec: Sendable {
        public var train = 1200, valid = 300, test = 600
        public var textDim = 24, audioDim = 8, visualDim = 12
        public var minLength = 4, maxLength = 16
        public var noise: Float = 1.0
        public var seed: UInt64 = 7
        public init() {}
    }

    public static func make(_ spec: Spec) -> DatasetSplits {
        var rng = SeededRNG(seed: spec.seed)
        // Fixed mixing matrices: column 0 carries s, column 1 the private part, the rest nuisance.
        func mixing(_ d: Int) -> Tensor { Tensor.randomNormal([d, 4], using: &rng) }
        let (wt, wa, wv) = (mixing(spec.textDim), mixing(spec.audioDim), mixing(spec.visualDim))
        func split(_ n: Int) -> SplitData {
            var s = SplitData()
            var text = [Float](), audio: [Tensor] = [], visual: [Tensor] = []
            for i in 0..<n {
                let shared = rng.nextNormal()
                let (pt, pa, pv) = (rng.nextNormal(), rng.nextNormal(), rng.nextNormal())
                s.labels.append(min(max(shared + 0.5 * (pt + pa + pv), -3), 3))
                s.ids.append("syn-\(i)")
                s.texts.append("")
                func vector(_ w: Tensor, _ priv: Float, _ noise: Float) -> [Float] {
                    let z: [Float] = [shared, priv, rng.nextNormal(), rng.nextNormal()]
                    let d = w.shape[0]
                    return (0..<d).map { r in (0..<4).reduce(Float(0)) { $0 + w.data[r * 4 + $1] * z[$1] } + noise * rng.nextNormal() }
                }
                text += vector(wt, pt, spec.noise)
                func sequence(_ w: Tensor, _ priv: Float) -> Tensor {
                    let len = spec.minLength + Int(rng.next() % UInt64(spec.maxLength - spec.minLength + 1))
                    var data: [Float] = []
                    for _ in 0..<len { data += vector(w, priv, spec.noise * 2) }
                    return Tensor(shape: [len, w.shape[0]], data: data)
                }
                audio.append(sequence(wa, pa))
                visual.append(sequence(wv, pv))
            }
            s.textFeatures = Tensor(shape: [n, spec.textDim], data: text)
            s.audio = audio; s.visual = visual
            return s
        }
        var d = DatasetSplits()
        d.train = split(spec.train); d.valid = split(spec.valid); d.test = split(spec.test)
        return d
    }
}

/// Pooled text representations from a frozen BERT-family encoder, cached on disk as
/// safetensors keyed by the encoder's weight hash, pooling and max length.
public enum TextFeatures {
    public static func embed(_ texts: [String], encoder: BertEncoder, tokenizer: WordPieceTokenizer, pooling: Pooling,
                             maxLength: Int, batchSize: Int = 32, progress: ((Int, Int) -> Void)? = nil) throws -> Tensor {
        let d = encoder.config.hiddenSize
        var out = [Float](); out.reserveCapacity(texts.count * d)
        // Batches of similar length waste less padding: sort by length, restore the order after.
        let order = texts.indices.sorted { texts[$0].utf8.count < texts[$1].utf8.count }
        var rows = [[Float]](repeating: [], count: texts.count)
        var start = 0
        while start < order.count {
            let idx = Array(order[start..<min(start + batchSize, order.count)])
            let batch = tokenizer.encodeBatch(idx.map { texts[$0] }, maxLength: maxLength)
            let e = try encoder.embed(batch, pooling: pooling)
            for (r, i) in idx.enumerated() { rows[i] = Array(e.data[(r * d)..<((r + 1) * d)]) }
            start += batchSize
            progress?(min(start, order.count), order.count)
        }
        for r in rows { out += r }
        return Tensor(shape: [texts.count, d], data: out)
    }
}

/// Sentio's own per-clip feature files next to an MMSA-layout labels CSV — the files that
/// `sentio extract audio|video --out` and `sentio analyze --out DIR --features` write:
///
///     DIR/<video_id>/<clip_id>.acoustic.csv   header `time,<audio columns>`, one row per 10 ms
///     DIR/<video_id>/<clip_id>.faces.csv      face rows; those with `success` = 1 give the visual columns
///
/// The audio sequence of a clip is every acoustic row, its visual sequence the listed columns
/// of the frames with a face (none: length 0, as live scoring treats a window without a face).
/// Which columns are read is the caller's `FeatureLayout` (the Model target names no
/// extractor); they are selected by header name, so extra columns are ignored.
public struct FeatureLayout: Sendable {
    public static let audioSuffix = ".acoustic.csv"
    public static let visualSuffix = ".faces.csv"
    public var audioColumns: [String]
    public var visualColumns: [String]
    /// The face-rows column that marks a frame with a face (value 1).
    public var visualFlag = "success"
    public init(audioColumns: [String], visualColumns: [String]) {
        self.audioColumns = audioColumns
        self.visualColumns = visualColumns
    }
}

public enum FeatureDirectory {
    /// Adds the audio/visual sequences of every row to `splits` (rows in the CSV order of each
    /// split). A modality is read when the first clip has its file; every clip must then have it.
    public static func attach(_ rows: [LabelsCSV.Row], directory: URL, layout: FeatureLayout, to splits: inout DatasetSplits) throws {
        var bySplit: [String: ([Tensor], [Tensor])] = [:]
        var hasAudio: Bool?, hasVisual: Bool?
        let fm = FileManager.default
        for r in rows {
            let clip = directory.appendingPathComponent(r.videoID)
            let audioURL = clip.appendingPathComponent(r.clipID + FeatureLayout.audioSuffix)
            let visualURL = clip.appendingPathComponent(r.clipID + FeatureLayout.visualSuffix)
            let a = fm.fileExists(atPath: audioURL.path), v = fm.fileExists(atPath: visualURL.path)
            if hasAudio == nil {
                guard a || v else {
                    throw ModelError.badData(source: clip.path, reason: "no feature file for clip \(r.videoID)/\(r.clipID) (expected \(r.clipID)\(FeatureLayout.audioSuffix) and/or \(r.clipID)\(FeatureLayout.visualSuffix))")
                }
                hasAudio = a; hasVisual = v
            }
            if hasAudio == true, !a { throw ModelError.badData(source: audioURL.path, reason: "missing: clip \(r.videoID)/\(r.clipID) has no acoustic features, unlike the first clip") }
            if hasVisual == true, !v { throw ModelError.badData(source: visualURL.path, reason: "missing: clip \(r.videoID)/\(r.clipID) has no face rows, unlike the first clip") }
            var entry = bySplit[r.mode] ?? ([], [])
            if hasAudio == true { entry.0.append(try FeatureCSV.read(audioURL, columns: layout.audioColumns)) }
            if hasVisual == true { entry.1.append(try FeatureCSV.read(visualURL, columns: layout.visualColumns, flag: layout.visualFlag)) }
            bySplit[r.mode] = entry
        }
        for name in ["train", "valid", "test"] {
            guard let (a, v) = bySplit[name] else { continue }
            switch name {
            case "train": if hasAudio == true { splits.train.audio = a }; if hasVisual == true { splits.train.visual = v }
            case "valid": if hasAudio == true { splits.valid.audio = a }; if hasVisual == true { splits.valid.visual = v }
            default: if hasAudio == true { splits.test.audio = a }; if hasVisual == true { splits.test.visual = v }
            }
        }
    }
}

/// A numeric CSV with a header row (as `sentio extract` writes): the named columns of every
/// row, or of the rows whose `flag` column is 1, as a [rows, columns] tensor. `nan`/`inf`
/// parse (and are zeroed later, counted); any other non-number is a `badCSV` with its line.
public enum FeatureCSV {
    public static func read(_ url: URL, columns: [String], flag: String? = nil) throws -> Tensor {
        let text: String
        do { text = try String(contentsOf: url, encoding: .utf8) } catch {
            throw ModelError.badData(source: url.path, reason: "cannot read: \(error.localizedDescription)")
        }
        return try parse(text, columns: columns, flag: flag, file: url.path)
    }

    public static func parse(_ text: String, columns: [String], flag: String? = nil, file: String = "<memory>") throws -> Tensor {
        // "\r\n" is one Character in Swift, hence isNewline rather than "\n".
        var lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).makeIterator()
        guard let headerLine = lines.next(), !headerLine.isEmpty else { throw ModelError.badCSV(file: file, line: 1, reason: "empty file, expected a header row") }
        let header = headerLine.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        func index(_ name: String) throws -> Int {
            guard let i = header.firstIndex(of: name) else { throw ModelError.badCSV(file: file, line: 1, reason: "header lacks column '\(name)'") }
            return i
        }
        let picks = try columns.map(index)
        let flagIndex = try flag.map(index)
        var data: [Float] = []
        var rows = 0, line = 1
        while let raw = lines.next() {
            line += 1
            let l = raw
            if l.isEmpty { continue }
            let f = l.split(separator: ",", omittingEmptySubsequences: false)
            guard f.count == header.count else { throw ModelError.badCSV(file: file, line: line, reason: "\(f.count) fields, header has \(header.count)") }
            if let flagIndex, Float(f[flagIndex].trimmingCharacters(in: .whitespaces)) != 1 { continue }
            for (k, i) in picks.enumerated() {
                guard let x = Float(f[i].trimmingCharacters(in: .whitespaces)) else {
                    throw ModelError.badCSV(file: file, line: line, reason: "\(columns[k]) = '\(f[i])' is not a number")
                }
                data.append(x)
            }
            rows += 1
        }
        return Tensor(shape: [rows, columns.count], data: data)
    }
}
