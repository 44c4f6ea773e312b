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
