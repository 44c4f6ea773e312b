import Foundation
import Testing
@testable import Speech

/// A minimal model.bin writer for synthetic files (binary version 6 layout).
struct ModelFileWriter {
    var bytes: [UInt8] = []
    mutating func u8(_ v: UInt8) { bytes.append(v) }
    mutating func u16(_ v: Int) { bytes += [UInt8(v & 0xff), UInt8(v >> 8 & 0xff)] }
    mutating func u32(_ v: Int) { bytes += (0..<4).map { UInt8(v >> (8 * $0) & 0xff) } }
    mutating func string(_ s: String) { u16(s.utf8.count + 1); bytes += Array(s.utf8) + [0] }
    mutating func header(version: Int = 6, spec: String = "WhisperSpec", revision: Int = 3, count: Int) {
        u32(version); string(spec); u32(revision); u32(count)
    }
    mutating func variable(_ name: String, shape: [Int], type: UInt8, payload: [UInt8]) {
        string(name); u8(UInt8(shape.count)); for d in shape { u32(d) }
        u8(type); u32(payload.count); bytes += payload
    }
    static func float32(_ xs: [Float]) -> [UInt8] { xs.flatMap { x in (0..<4).map { UInt8(x.bitPattern >> (8 * $0) & 0xff) } } }
}

@Suite("CTranslate2 model.bin reader")
struct ModelFileTests {
    static let modelFile = Paths.model.appendingPathComponent("model.bin")

    @Test("reads the tiny.en header, 148 variables, the projection alias and float16 values",
          .enabled(if: Paths.haveModel, "needs scripts/setup's Whisper model"))
    func header() throws {
        let model = try CTranslate2Model(contentsOf: Self.modelFile)
        #expect(model.binaryVersion == 6)
        #expect(model.spec == "WhisperSpec")
        #expect(model.revision == 3)
        #expect(model.names.count == 148)
        #expect(model.aliases == ["decoder/projection/weight": "decoder/embeddings/weight"])
        let embeddings = try model.variable("decoder/embeddings/weight")
        #expect(embeddings.shape == [51864, 384])
        #expect(embeddings.storedType == .float16)
        // Values read independently with Python's struct 'e' (float16) format.
        #expect(Array(embeddings.values.prefix(3)) == [0.034698486328125, -0.0052947998046875, -0.0164337158203125])
        #expect(try model.variable("decoder/projection/weight").values.count == 51864 * 384)
        #expect(try model.integer("encoder/num_heads") == 6)
        #expect(try model.values("encoder/conv1/weight", shape: [384, 80, 3]).count == 92160)
    }

    @Test("a model.bin truncated anywhere fails with a typed error naming what was being read",
          .enabled(if: Paths.haveModel, "needs scripts/setup's Whisper model"))
    func truncated() throws {
        let bytes = [UInt8](try Data(contentsOf: Self.modelFile))
        // Inside the header, inside a variable's name, inside the embedding values, inside the alias table.
        let cases: [(Int, String)] = [(3, "binary version"), (10, "spec name"), (60, "variable"),
                                      (2_000_000, "decoder/embeddings/weight"), (bytes.count - 5, "alias")]
        for (length, named) in cases {
            #expect {
                _ = try CTranslate2Model(bytes: Array(bytes.prefix(length)), file: "model.bin")
            } throws: { error in
                guard let e = error as? SpeechError else { return false }
                return e.kind == .truncated && e.description.contains(named)
            }
        }
        // And through the file loader, on a truncated copy on disk.
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("TemporaryDirectory.speech-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        for file in ["config.json", "vocabulary.txt"] {
            try FileManager.default.copyItem(at: Paths.model.appendingPathComponent(file), to: dir.appendingPathComponent(file))
        }
        try Data(bytes.prefix(40_000_000)).write(to: dir.appendingPathComponent("model.bin"))
        #expect(throws: SpeechError.self) { _ = try WhisperModel(directory: dir) }
        do { _ = try WhisperModel(directory: dir) } catch {
            #expect(error.kind == .truncated)
            #expect(error.input.contains("decoder/"), "\(error)")
        }
    }

    @Test("a flipped header or a renamed variable is rejected naming the header field or the missing variable",
          .enabled(if: Paths.haveModel, "needs scripts/setup's Whisper model"))
    func corrupt() throws {
        let bytes = [UInt8](try Data(contentsOf: Self.modelFile))
        var flipped = bytes
        flipped[0] = 0xff   // binary version 255
        #expect(throws: SpeechError(.corrupt, input: "model.bin header", reason: "binary version 255 (this reader supports 1…6)")) {
            _ = try CTranslate2Model(bytes: flipped, file: "model.bin")
        }
        // Rename encoder/conv2/bias → encoder/conv2/bia_ (same length): the model lacks it.
        var renamed = bytes
        let needle = Array("encoder/conv2/bias".utf8)
        let at = try #require(firstIndex(of: needle, in: bytes))
        renamed[at + needle.count - 1] = UInt8(ascii: "_")
        let model = try CTranslate2Model(bytes: renamed, file: "model.bin")
        let dir = Paths.model
        let config = try WhisperConfig(contentsOf: dir.appendingPathComponent("config.json"))
        let tokenizer = try WhisperTokenizer(contentsOf: dir.appendingPathComponent("vocabulary.txt"))
        #expect(throws: SpeechError(.missingVariable, input: "encoder/conv2/bias", reason: "not in model.bin")) {
            _ = try WhisperModel(model: model, config: config, tokenizer: tokenizer)
        }
        // A spec other than WhisperSpec.
        var other = ModelFileWriter()
        other.header(spec: "TransformerSpec", count: 0); other.u32(0)
        let transformer = try CTranslate2Model(bytes: other.bytes, file: "other.bin")
        #expect(throws: SpeechError.self) { _ = try WhisperModel(model: transformer, config: config, tokenizer: tokenizer) }
    }

    @Test("int8 weights are divided by their weight_scale; float32, int16 and bfloat16 convert exactly")
    func storedTypes() throws {
        var w = ModelFileWriter()
        w.header(count: 5)
        w.variable("a/weight", shape: [2, 2], type: 1, payload: [2, 0xfe, 127, 4].map { UInt8($0) })   // 2, -2, 127, 4
        w.variable("a/weight_scale", shape: [2], type: 0, payload: ModelFileWriter.float32([2, 4]))
        w.variable("b", shape: [3], type: 0, payload: ModelFileWriter.float32([1.5, -2, 0.25]))
        w.variable("c", shape: [], type: 2, payload: [6, 0])
        w.variable("d", shape: [2], type: 5, payload: [0x80, 0x3f, 0x00, 0xc0])   // bfloat16 1, -2
        w.u32(1); w.string("e"); w.string("b")
        let model = try CTranslate2Model(bytes: w.bytes, file: "synthetic.bin")
        #expect(try model.variable("a/weight").values == [1, -1, 31.75, 1])
        #expect(try model.variable("e").values == [1.5, -2, 0.25])
        #expect(try model.integer("c") == 6)
        #expect(try model.variable("d").values == [1, -2])
        // An int8 weight without its scale names the missing scale.
        var u = ModelFileWriter()
        u.header(count: 1)
        u.variable("q/weight", shape: [1, 2], type: 1, payload: [1, 2])
        u.u32(0)
        #expect(throws: SpeechError(.missingVariable, input: "q/weight_scale", reason: "the quantization scale of q/weight")) {
            _ = try CTranslate2Model(bytes: u.bytes, file: "synthetic.bin")
        }
        // A byte count that disagrees with the shape is corrupt, naming the variable.
        var v = ModelFileWriter()
        v.header(count: 1)
        v.variable("x", shape: [3], type: 0, payload: ModelFileWriter.float32([1, 2]))
        v.u32(0)
        #expect(throws: SpeechError.self) { _ = try CTranslate2Model(bytes: v.bytes, file: "synthetic.bin") }
        // A shape whose element count overflows is corrupt, not a crash.
        var o = ModelFileWriter()
        o.header(count: 1)
        o.variable("huge", shape: [0xffff_ffff, 0xffff_ffff, 0xffff_ffff], type: 0, payload: [])
        o.u32(0)
        #expect {
            _ = try CTranslate2Model(bytes: o.bytes, file: "synthetic.bin")
        } throws: { ($0 as? SpeechError)?.kind == .corrupt && ($0 as? SpeechError)?.input == "variable huge" }
    }
}

/// Where `needle` first occurs in `bytes`.
func firstIndex(of needle: [UInt8], in bytes: [UInt8]) -> Int? {
    var i = 0
    while i + needle.count <= bytes.count {
        if bytes[i] == needle[0] && bytes[i + needle.count - 1] == needle[needle.count - 1]
            && Array(bytes[i..<i + needle.count]) == needle { return i }
        i += 1
    }
    return nil
}
