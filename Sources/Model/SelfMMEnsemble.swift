import Tensor

/// Members of one architecture (e.g. the same config trained from different seeds) whose
/// M and T/A/V outputs are averaged. A single model is an ensemble of one, so inference
/// (evaluate, analyze, serve) has one path.
public final class SelfMMEnsemble: Sendable {
    public let members: [SelfMM]

    /// `members` must be non-empty and share one network config (checked by the loader for files).
    public init(_ members: [SelfMM]) {
        precondition(!members.isEmpty && members.allSatisfy { $0.config == members[0].config }, "an ensemble needs ≥ 1 member of one architecture")
        self.members = members
    }

    public convenience init(_ model: SelfMM) { self.init([model]) }

    public var config: NetworkConfig { members[0].config }

    /// The members' outputs averaged: M [B, 1] and each modality head's [B, 1] (no dropout, no tape).
    public func callAsFunction(_ input: ModelInput) -> (m: Tensor, heads: [Modality: Tensor]) {
        var rng = SeededRNG(seed: 0)
        var m: Tensor?
        var heads: [Modality: Tensor] = [:]
        func add(_ sum: Tensor?, _ t: Tensor) -> Tensor {
            guard var sum else { return t }
            for i in sum.data.indices { sum.data[i] += t.data[i] }
            return sum
        }
        for model in members {
            let out = model(input, tape: nil, training: false, rng: &rng)
            m = add(m, out.m.value)
            for (k, v) in out.heads { heads[k] = add(heads[k], v.value) }
        }
        let scale = 1 / Float(members.count)
        func mean(_ sum: Tensor) -> Tensor { Tensor(shape: sum.shape, data: sum.data.map { $0 * scale }) }
        // `members` is never empty (init), so `m` is set.
        return (mean(m ?? Tensor(shape: [0, 1], data: [])), heads.mapValues(mean))
    }

    public func checkInputs(_ data: SplitData, source: String) throws {
        try members[0].checkInputs(data, source: source)
    }
}
