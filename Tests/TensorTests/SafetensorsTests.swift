import Foundation
import Testing
@testable import Tensor

@Suite("safetensors")
struct SafetensorsTests {
    @Test("F16 and BF16 tensors read as torch converts them to Float32")
    func halfPrecision() throws {
        let st = try SafetensorsFile(contentsOf: tensorFixtures.appendingPathComponent("dtypes.safetensors"))
        #expect(st.entries["f16"]?.dtype == "F16")
        #expect(try st.tensor("f16") == (try st.tensor("f16_as_f32")))
        #expect(try st.tensor("bf16") == (try st.tensor("bf16_as_f32")))
    }

    @Test("F32 write then read returns the same tensors and metadata")
    func roundTrip() throws {
        var rng = SeededRNG(seed: 1)
        let tensors = ["b.weight": Tensor.randomNormal([3, 4], using: &rng), "a": Tensor(2.5), "empty": Tensor.zeros([0, 3])]
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("sentio-roundtrip-\(UUID().uuidString).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try SafetensorsFile.write(tensors, metadata: ["format": "pt"], to: url)
        let st = try SafetensorsFile(contentsOf: url)
        #expect(st.names == ["a", "b.weight", "empty"])
        #expect(st.metadata["format"] == "pt")
        for (k, v) in tensors { #expect(try st.tensor(k) == v) }
    }

    @Test("A tensor of another shape than expected is a typed error naming it")
    func wrongShape() throws {
        let st = try SafetensorsFile(contentsOf: tensorFixtures.appendingPathComponent("dtypes.safetensors"))
        #expect(throws: SafetensorsError.wrongShape(file: st.path, tensor: "f16", expected: [3, 4], found: [12])) {
            try st.tensor("f16", shape: [3, 4])
        }
        let e = SafetensorsError.wrongShape(file: "m.safetensors", tensor: "f16", expected: [3, 4], found: [12])
        #expect(e.description.contains("'f16'") && e.description.contains("[3, 4]"))
    }

    @Test("An unsupported dtype is a typed error naming the tensor")
    func wrongDtype() throws {
        let st = try SafetensorsFile(contentsOf: tensorFixtures.appendingPathComponent("dtypes.safetensors"))
        #expect(throws: SafetensorsError.unsupportedDtype(file: st.path, tensor: "position_ids", dtype: "I64")) {
            try st.tensor("position_ids")
        }
        #expect(throws: SafetensorsError.missingTensor(file: st.path, tensor: "nope")) { try st.tensor("nope") }
    }

    @Test("A truncated file is a typed error naming the first tensor past the end")
    func truncated() throws {
        let data = try SafetensorsFile.encode(["a": .ones([4]), "b": .ones([8])])
        #expect(throws: SafetensorsError.truncated(file: "cut", tensor: "b", needed: 48, available: 40)) {
            try SafetensorsFile(data: data.prefix(data.count - 8), path: "cut")
        }
        #expect(throws: SafetensorsError.self) { try SafetensorsFile(data: data.prefix(5), path: "tiny") }
        #expect(throws: SafetensorsError.self) { try SafetensorsFile(data: data.prefix(20), path: "header cut") }
    }

    @Test("Data sizes that disagree with dtype and shape are a typed error naming the tensor")
    func sizeMismatch() throws {
        let header = #"{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#
        var d = Data()
        var n = UInt64(header.utf8.count).littleEndian
        withUnsafeBytes(of: &n) { d.append(contentsOf: $0) }
        d.append(contentsOf: Array(header.utf8))
        d.append(contentsOf: [UInt8](repeating: 0, count: 8))
        #expect(throws: SafetensorsError.sizeMismatch(file: "x", tensor: "w", dtype: "F32", shape: [3], bytes: 8)) {
            try SafetensorsFile(data: d, path: "x")
        }
    }
}

@Suite("Checkpoints of layers")
struct CheckpointTests {
    @Test("Saving an LSTM and a Linear layer and loading them restores every parameter")
    func roundTrip() throws {
        var rng = SeededRNG(seed: 4)
        let lstm = LSTM("audio.lstm", inputSize: 3, hiddenSize: 2, rng: &rng)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("sentio-ckpt-\(UUID().uuidString).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try lstm.save(to: url)
        let saved = lstm.namedTensors
        #expect(Set(saved.keys) == ["audio.lstm.weight_ih_l0", "audio.lstm.weight_hh_l0", "audio.lstm.bias_ih_l0", "audio.lstm.bias_hh_l0"])
        for p in lstm.parameters { p.value = .zeros(p.value.shape) }
        try lstm.load(try SafetensorsFile(contentsOf: url))
        #expect(lstm.namedTensors == saved)
        // A layer whose parameters have other shapes is refused, naming the tensor, and unchanged.
        let other = LSTM("audio.lstm", inputSize: 4, hiddenSize: 2, rng: &rng)
        let before = other.namedTensors
        #expect(throws: SafetensorsError.wrongShape(file: url.path, tensor: "audio.lstm.weight_ih_l0", expected: [8, 4], found: [8, 3])) {
            try other.load(try SafetensorsFile(contentsOf: url))
        }
        #expect(other.namedTensors == before)
        let lin = Linear("head", inFeatures: 2, outFeatures: 1, rng: &rng)
        #expect(throws: SafetensorsError.missingTensor(file: url.path, tensor: "head.weight")) { try lin.load(try SafetensorsFile(contentsOf: url)) }
    }
}
