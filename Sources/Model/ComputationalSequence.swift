import Foundation
import Media
import Tensor

/// A CMU-MultimodalSDK computational sequence (.csd, HDF5), as mmsdk's write_CSD lays it out:
/// one root group named after the sequence holding `data/<video_id>/features` (T, d) and
/// `data/<video_id>/intervals` (T, 2: start and end in seconds), and `metadata/<key>`, each a
/// one-element string dataset with the JSON of the value. Features are read as Float32 (NaN
/// kept; training zeroes and counts them).
public struct ComputationalSequence: Sendable {
    public struct Entry: Sendable {
        /// [T, d]
        public var features: Tensor
        /// [T, 2] start and end seconds of each row.
        public var intervals: Tensor
    }

    /// The root group's name (e.g. COVAREP, "All Labels").
    public var name: String
    /// Per video id.
    public var entries: [String: Entry]
    /// Metadata as stored: key → JSON text of the value.
    public var metadata: [String: String]

    public var videoIDs: [String] { entries.keys.sorted() }

    public static func read(_ url: URL) throws -> ComputationalSequence {
        let file = url.path
        do {
            let h5 = try HDF5File(path: file)
            let roots = try h5.members(of: "/")
            guard roots.count == 1, let name = roots.first else {
                throw ModelError.badCSD(file: file, path: "/", reason: "\(roots.count) root groups (\(roots.joined(separator: ", "))), a computational sequence has one")
            }
            let root = "/" + name
            guard h5.contains(root + "/data") else { throw ModelError.badCSD(file: file, path: root + "/data", reason: "missing group") }
            var entries: [String: Entry] = [:]
            for video in try h5.members(of: root + "/data") {
                let base = "\(root)/data/\(video)"
                let f = try h5.floats(base + "/features"), i = try h5.floats(base + "/intervals")
                guard f.shape.count == 2 else {
                    throw ModelError.badCSD(file: file, path: base + "/features", reason: "rank \(f.shape.count) (shape \(f.shape)), expected (T, d)")
                }
                guard i.shape == [f.shape[0], 2] else {
                    throw ModelError.badCSD(file: file, path: base + "/intervals", reason: "shape \(i.shape), expected (\(f.shape[0]), 2) for \(f.shape[0]) feature rows")
                }
                entries[video] = Entry(features: Tensor(shape: f.shape, data: f.values), intervals: Tensor(shape: i.shape, data: i.values))
            }
            var metadata: [String: String] = [:]
            if h5.contains(root + "/metadata") {
                for key in try h5.members(of: root + "/metadata") {
                    metadata[key] = try h5.strings("\(root)/metadata/\(key)").first
                }
            }
            return ComputationalSequence(name: name, entries: entries, metadata: metadata)
        } catch let e as HDF5Error {
            throw ModelError.badCSD(file: e.file, path: e.path.isEmpty ? "/" : e.path, reason: e.reason)
        }
    }

    /// The rows of `video` whose interval overlaps [start, end) (MMSA's segment of an
    /// unaligned sequence), as [T, d]; T may be 0.
    public func rows(_ video: String, from start: Float, to end: Float) -> Tensor? {
        guard let e = entries[video] else { return nil }
        let d = e.features.shape[1]
        var data: [Float] = []
        var n = 0
        for r in 0..<e.features.shape[0] where e.intervals.data[2 * r] < end && e.intervals.data[2 * r + 1] > start {
            data += e.features.data[(r * d)..<((r + 1) * d)]
            n += 1
        }
        return Tensor(shape: [n, d], data: data)
    }
}

/// A dataset from a folder of computational sequences, named by role: `labels.csd` (one row
/// per utterance segment; column 0 is the sentiment label, as in CMU_MOSEI_Labels), and any of
/// `text.csd` (e.g. GloVe word vectors; an utterance's text input is the mean of its rows),
/// `audio.csd` (e.g. COVAREP) and `visual.csd` (e.g. FACET/OpenFace), whose rows overlapping a
/// segment form its sequences; `splits.csv` (columns `video_id` and `mode`, e.g. MMSA's
/// label.csv) assigns each video to train, valid or test. CMU's standard folds are video-id
/// lists in mmsdk's Python code, not in the .csd files, hence splits.csv.
public enum CSDFolder {
    public static func read(_ directory: URL) throws -> DatasetSplits {
        let fm = FileManager.default
        func csd(_ name: String) throws -> ComputationalSequence? {
            let url = directory.appendingPathComponent("\(name).csd")
            return fm.fileExists(atPath: url.path) ? try ComputationalSequence.read(url) : nil
        }
        guard let labels = try csd("labels") else {
            throw ModelError.badData(source: directory.path, reason: "no labels.csd (a folder of .csd files needs labels.csd and splits.csv)")
        }
        let splitsURL = directory.appendingPathComponent("splits.csv")
        let split = try readSplits(splitsURL)
        let streams: [(Modality, ComputationalSequence)] = try [(Modality.text, "text"), (.audio, "audio"), (.visual, "visual")].compactMap { m, name in
            try csd(name).map { (m, $0) }
        }
        guard !streams.isEmpty else { throw ModelError.badData(source: directory.path, reason: "none of text.csd, audio.csd, visual.csd") }
        var out = DatasetSplits()
        var text: [String: [Float]] = [:]
        for video in labels.videoIDs {
            guard let mode = split[video] else { continue }
            let e = labels.entries[video]!
            for r in 0..<e.features.shape[0] {
                let (start, end) = (e.intervals.data[2 * r], e.intervals.data[2 * r + 1])
                var s = out[mode]!
                s.ids.append("\(video)[\(r)]")
                s.texts.append("")
                s.labels.append(e.features.data[r * e.features.shape[1]])
                for (m, seq) in streams {
                    guard let rows = seq.rows(video, from: start, to: end) else {
                        throw ModelError.badCSD(file: directory.appendingPathComponent("\(m.rawValue).csd").path, path: "/\(seq.name)/data/\(video)",
                                                reason: "missing: labels.csd has this video")
                    }
                    switch m {
                    case .text:
                        let d = rows.shape[1], n = rows.shape[0]
                        var mean = [Float](repeating: 0, count: d)
                        for i in 0..<n { for k in 0..<d { mean[k] += rows.data[i * d + k] / Float(n) } }
                        text[mode, default: []] += mean
                    case .audio: s.audio = (s.audio ?? []) + [rows]
                    case .visual: s.visual = (s.visual ?? []) + [rows]
                    }
                }
                switch mode { case "train": out.train = s; case "valid": out.valid = s; default: out.test = s }
            }
        }
        if let (_, seq) = streams.first(where: { $0.0 == .text }), let d = seq.entries.values.first?.features.shape[1] {
            for mode in ["train", "valid", "test"] {
                var s = out[mode]!
                s.textFeatures = Tensor(shape: [s.count, d], data: text[mode] ?? [])
                switch mode { case "train": out.train = s; case "valid": out.valid = s; default: out.test = s }
            }
        }
        return out
    }

    /// video_id → mode from a CSV with those two columns (others ignored; a video's first row wins).
    static func readSplits(_ url: URL) throws -> [String: String] {
        let text: String
        do { text = try String(contentsOf: url, encoding: .utf8) } catch {
            throw ModelError.badData(source: url.path, reason: "cannot read the splits (video_id,mode): \(error.localizedDescription)")
        }
        let records = try LabelsCSV.records(text, file: url.path)
        guard let (headerLine, header) = records.first, let cv = header.firstIndex(of: "video_id"), let cm = header.firstIndex(of: "mode") else {
            throw ModelError.badCSV(file: url.path, line: 1, reason: "header needs columns video_id and mode")
        }
        _ = headerLine
        var split: [String: String] = [:]
        for (line, f) in records.dropFirst() {
            if f.count == 1 && f[0].isEmpty { continue }
            guard f.count == header.count else { throw ModelError.badCSV(file: url.path, line: line, reason: "\(f.count) fields, header has \(header.count)") }
            let mode = f[cm].trimmingCharacters(in: .whitespaces)
            guard ["train", "valid", "test"].contains(mode) else { throw ModelError.badCSV(file: url.path, line: line, reason: "mode '\(mode)' is not train, valid or test") }
            if split[f[cv]] == nil { split[f[cv]] = mode }
        }
        return split
    }
}
