import Foundation
import Media
import Model
import Tensor
import Testing

/// .csd files written by h5py the way mmsdk's write_CSD writes them (scripts/reference/make_csd_fixtures.py).
@Suite("CMU-MultimodalSDK computational sequences (.csd)")
struct CSDTests {
    static func csd(_ name: String) -> URL { fixture("csd/\(name)") }
    static var expected: [String: Any] { (try? json("csd/csd_expected.json")) ?? [:] }

    static func check(_ seq: ComputationalSequence, against key: String) throws {
        let e = try #require(expected[key] as? [String: Any])
        #expect(seq.name == e["root"] as? String)
        let data = try #require(e["data"] as? [String: [String: [[Any]]]])
        #expect(seq.videoIDs == data.keys.sorted())
        for (vid, entry) in data {
            let got = try #require(seq.entries[vid])
            let rows = try #require(entry["features"]), intervals = try #require(entry["intervals"])
            #expect(got.features.shape == [rows.count, rows[0].count])
            #expect(got.intervals.shape == [intervals.count, 2])
            for (r, row) in rows.enumerated() {
                for (c, value) in row.enumerated() {
                    let x = got.features.data[r * row.count + c]
                    if let v = value as? Double { #expect(x == Float(v), "\(vid)[\(r), \(c)]") } else { #expect(x.isNaN, "\(vid)[\(r), \(c)] is NaN in the file") }
                }
            }
            #expect(got.intervals.data == intervals.flatMap { $0.map { Float($0 as! Double) } })
        }
    }

    @Test("COVAREP-like and gzip-compressed label sequences read with their values, intervals and JSON metadata")
    func read() throws {
        let covarep = try ComputationalSequence.read(Self.csd("covarep.csd"))
        try Self.check(covarep, against: "covarep")
        #expect(covarep.metadata["root name"] == "\"COVAREP\"")
        #expect(covarep.metadata.count == 11)
        let labels = try ComputationalSequence.read(Self.csd("labels.csd"))
        try Self.check(labels, against: "labels")
        #expect(labels.metadata["dimension names"] == (Self.expected["labels"] as? [String: Any])?["metadata_dimension_names"] as? String)
        // Rows of an utterance segment: those whose interval overlaps it.
        let segment = try #require(covarep.rows("vidA", from: 0.015, to: 0.03))
        #expect(segment.shape == [2, 74] && segment.data[0] == covarep.entries["vidA"]!.features.data[74])
        #expect(covarep.rows("vidA", from: 1, to: 2)?.shape == [0, 74])
        #expect(covarep.rows("nope", from: 0, to: 1) == nil)
    }

    @Test("bad files fail with a typed error naming the file and the HDF5 path",
          arguments: [
              ("missing_data.csd", "/COVAREP/data", "missing group"),
              ("wrong_rank.csd", "/COVAREP/data/vidA/features", "rank 1 (shape [4]), expected (T, d)"),
              ("interval_mismatch.csd", "/COVAREP/data/vidA/intervals", "shape [2, 2], expected (3, 2) for 3 feature rows"),
              ("string_features.csd", "/words/data/vidA/features", "not numeric (HDF5 type class 3)"),
              ("truncated.csd", "/", "libhdf5 cannot open it (damaged or truncated?)"),
              ("csd_expected.json", "/", "not an HDF5 file (or truncated)"),
          ])
    func badFiles(_ name: String, _ path: String, _ reason: String) throws {
        let url = Self.csd(name)
        #expect(throws: ModelError.badCSD(file: url.path, path: path, reason: reason)) { try ComputationalSequence.read(url) }
    }

    @Test("a folder of .csd files: segments of labels.csd split by splits.csv, text as the mean of its word rows, audio/visual rows overlapping each segment")
    func folder() throws {
        let d = try CSDFolder.read(Self.csd("folder"))
        #expect(d.train.count == 6 && d.valid.count == 3 && d.test.count == 3)
        #expect(Array(d.train.ids.prefix(4)) == ["v1[0]", "v1[1]", "v1[2]", "v2[0]"] && d.valid.ids.first == "v3[0]")
        let e = try #require(Self.expected["folder"] as? [String: Any])
        #expect(d.train.labels[1] == Float(try #require(e["v1_1_label"] as? Double)))
        let text = try #require(d.train.textFeatures)
        #expect(text.shape == [6, 5])
        let meanText = try #require(e["v1_1_text"] as? [Double]).map(Float.init)
        for k in 0..<5 { #expect(abs(text.data[5 + k] - meanText[k]) < 1e-6) }
        let audio = try #require(d.train.audio?[1])
        let expectedAudio: [Float] = try #require(e["v1_1_audio"] as? [[Double]]).flatMap { $0.map { Float($0) } }
        #expect(audio.shape == [4, 6] && audio.data == expectedAudio)
        #expect(d.valid.visual?.map(\.shape) == [[2, 3], [2, 3], [0, 3]], "v3 has no visual rows in its last second")
        #expect(d.test.audio?.count == 3)
    }

    @Test("a .csd folder without labels.csd, or whose audio.csd lacks a video, names what is missing")
    func folderErrors() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sentio-csd-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(throws: ModelError.badData(source: dir.path, reason: "no labels.csd (a folder of .csd files needs labels.csd and splits.csv)")) { try CSDFolder.read(dir) }
        for name in ["labels.csd", "splits.csv"] { try FileManager.default.copyItem(at: Self.csd("folder/\(name)"), to: dir.appendingPathComponent(name)) }
        try FileManager.default.copyItem(at: Self.csd("covarep.csd"), to: dir.appendingPathComponent("audio.csd"))
        #expect(throws: ModelError.badCSD(file: dir.appendingPathComponent("audio.csd").path, path: "/COVAREP/data/v1", reason: "missing: labels.csd has this video")) {
            try CSDFolder.read(dir)
        }
    }

    @Test("the HDF5 wrapper: members, string attributes (variable and fixed length), fixed-length string datasets, missing objects")
    func wrapper() throws {
        let url = Self.csd("attributes.h5")
        let h5 = try HDF5File(path: url.path)
        #expect(try h5.members(of: "/") == ["fixed_strings", "g"])
        #expect(try h5.stringAttribute("note", of: "/g") == "written by h5py")
        #expect(try h5.stringAttribute("fixed", of: "/g") == "ascii fixed")
        #expect(try h5.strings("/fixed_strings") == ["ab", "cde"])
        #expect(throws: HDF5Error(kind: .missing, file: url.path, path: "/g", reason: "no attribute 'other'")) { try h5.stringAttribute("other", of: "/g") }
        #expect(throws: HDF5Error(kind: .missing, file: url.path, path: "/h/x", reason: "no such dataset")) { try h5.floats("/h/x") }
        #expect(throws: HDF5Error(kind: .wrongKind, file: url.path, path: "/g", reason: "a group, expected a dataset")) { try h5.floats("/g") }
        #expect(throws: HDF5Error(kind: .cannotOpen, file: "/nonexistent.csd", path: "", reason: "no such file")) { try HDF5File(path: "/nonexistent.csd") }
    }
}
