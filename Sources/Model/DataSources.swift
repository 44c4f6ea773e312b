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

/// Sentio's own per-clip feature files next to an MMSA-layout labels CSV:
/// `<dir>/<video_id>/<clip_id>.safetensors` holding `audio` [T, d] (COVAREP layout, 10 ms hop)
/// and/or `visual` [T, d] (per frame), as `sentio extract` is to write them
/// (this is the contract the Model target reads; DESIGN.md §4 names the files but not their layout).
public enum FeatureDirectory {
    /// Adds the audio/visual sequences of every row to `splits` (rows in the CSV order of each split).
    public static func attach(_ rows: [LabelsCSV.Row], directory: URL, to splits: inout DatasetSplits) throws {
        var bySplit: [String: ([Tensor], [Tensor])] = [:]
        var hasAudio: Bool?, hasVisual: Bool?
        for r in rows {
            let url = directory.appendingPathComponent(r.videoID).appendingPathComponent("\(r.clipID).safetensors")
            let f: SafetensorsFile
            do { f = try SafetensorsFile(contentsOf: url) } catch {
                throw ModelError.badData(source: url.path, reason: "feature file of \(r.videoID)/\(r.clipID) unreadable: \(error)")
            }
            let a = f.entries["audio"] != nil, v = f.entries["visual"] != nil
            if hasAudio == nil { hasAudio = a; hasVisual = v }
            guard a == hasAudio, v == hasVisual else {
                throw ModelError.badData(source: url.path, reason: "has \(a ? "" : "no ")audio and \(v ? "" : "no ")visual features, unlike the first clip")
            }
            func seq(_ k: String) throws -> Tensor {
                let t = try f.tensor(k)
                guard t.rank == 2, t.shape[0] >= 1 else { throw ModelError.badData(source: url.path, reason: "\(k) has shape \(t.shape), expected [T ≥ 1, d]") }
                return t
            }
            var entry = bySplit[r.mode] ?? ([], [])
            if a { entry.0.append(try seq("audio")) }
            if v { entry.1.append(try seq("visual")) }
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
