import Tensor

/// One batch of model inputs. Text enters as its representation F_t (the pooled encoder
/// output, [B, textDim]); audio and visual as padded sequences [B, T, d] with true lengths.
public struct ModelInput {
    public var text: Tensor?
    public var audio: Tensor?
    public var audioLengths: [Int]
    public var visual: Tensor?
    public var visualLengths: [Int]

    public init(text: Tensor? = nil, audio: Tensor? = nil, audioLengths: [Int] = [], visual: Tensor? = nil, visualLengths: [Int] = []) {
        self.text = text; self.audio = audio; self.audioLengths = audioLengths
        self.visual = visual; self.visualLengths = visualLengths
    }

    public var batchSize: Int { text?.shape[0] ?? audio?.shape[0] ?? visual?.shape[0] ?? 0 }
}

/// Outputs of one forward pass: the four predictions [B, 1] and the features F_s that ULGM
/// stores (post-layer-1 activations, as MMSA's Feature_f/t/a/v). Absent modalities are nil.
public struct ModelOutput {
    public var m: Var
    public var fm: Var
    public var heads: [Modality: Var] = [:]
    public var features: [Modality: Var] = [:]
}

/// MMSA's AuViSubNet: one-layer LSTM over the true lengths, last hidden state → dropout → Linear.
public final class SequenceSubNet: Layer, Sendable {
    public let rnn: LSTM
    public let linear: Linear
    public let dropout: Float

    public init(_ name: String, inputSize: Int, hidden: Int, out: Int, dropout: Float, rng: inout SeededRNG) {
        rnn = LSTM("\(name).rnn", inputSize: inputSize, hiddenSize: hidden, rng: &rng)
        linear = Linear("\(name).linear_1", inFeatures: hidden, outFeatures: out, rng: &rng)
        self.dropout = dropout
    }

    public var parameters: [Parameter] { rnn.parameters + linear.parameters }

    public func callAsFunction(_ x: Var, lengths: [Int], tape: Tape?, training: Bool, rng: inout SeededRNG) -> Var {
        var h = rnn(x, lengths: lengths, tape: tape).last
        if training { h = h.dropout(dropout, using: &rng) }
        return linear(h, tape: tape)
    }
}

/// dropout → Linear+ReLU (the feature F_s) → Linear+ReLU → Linear(·,1).
public final class Head: Layer, Sendable {
    public let l1: Linear, l2: Linear, l3: Linear
    public let dropout: Float

    public init(_ prefix: String, inFeatures: Int, hidden: Int, dropout: Float, rng: inout SeededRNG) {
        l1 = Linear("\(prefix)_1", inFeatures: inFeatures, outFeatures: hidden, rng: &rng)
        l2 = Linear("\(prefix)_2", inFeatures: hidden, outFeatures: hidden, rng: &rng)
        l3 = Linear("\(prefix)_3", inFeatures: hidden, outFeatures: 1, rng: &rng)
        self.dropout = dropout
    }

    public var parameters: [Parameter] { l1.parameters + l2.parameters + l3.parameters }

    public func callAsFunction(_ x: Var, tape: Tape?, training: Bool, rng: inout SeededRNG) -> (feature: Var, output: Var) {
        var h = x
        if training { h = h.dropout(dropout, using: &rng) }
        let f = l1(h, tape: tape).relu()
        return (f, l3(l2(f, tape: tape).relu(), tape: tape))
    }
}

/// The Self-MM network (MMSA's SELF_MM with the text encoder outside: F_t is its input).
/// Parameter names follow MMSA's state_dict without the leading `Model.`.
public final class SelfMM: Sendable {
    public let config: NetworkConfig
    public let audioNet: SequenceSubNet?
    public let visualNet: SequenceSubNet?
    public let fusion: Head
    public let textHead: Head?
    public let audioHead: Head?
    public let visualHead: Head?
    /// Projections of F_s to the common CORAL width (weights named coral.proj_<modality>).
    public let projections: [Modality: Linear]

    public init(config: NetworkConfig, seed: UInt64) {
        self.config = config
        var rng = SeededRNG(seed: seed)
        audioNet = config.hasAudio ? SequenceSubNet("audio_model", inputSize: config.audioIn, hidden: config.audioLSTMHidden,
                                                    out: config.audioOut, dropout: config.audioLSTMDropout, rng: &rng) : nil
        visualNet = config.hasVisual ? SequenceSubNet("video_model", inputSize: config.visualIn, hidden: config.visualLSTMHidden,
                                                      out: config.visualOut, dropout: config.visualLSTMDropout, rng: &rng) : nil
        let fusionIn = (config.hasText ? config.textDim : 0) + (config.hasAudio ? config.audioOut : 0) + (config.hasVisual ? config.visualOut : 0)
        fusion = Head("post_fusion_layer", inFeatures: fusionIn, hidden: config.postFusionDim, dropout: config.postFusionDropout, rng: &rng)
        textHead = config.hasText ? Head("post_text_layer", inFeatures: config.textDim, hidden: config.postTextDim, dropout: config.postTextDropout, rng: &rng) : nil
        audioHead = config.hasAudio ? Head("post_audio_layer", inFeatures: config.audioOut, hidden: config.postAudioDim, dropout: config.postAudioDropout, rng: &rng) : nil
        visualHead = config.hasVisual ? Head("post_video_layer", inFeatures: config.visualOut, hidden: config.postVisualDim, dropout: config.postVisualDropout, rng: &rng) : nil
        var proj: [Modality: Linear] = [:]
        for m in config.modalities {
            let inW = m == .text ? config.postTextDim : (m == .audio ? config.postAudioDim : config.postVisualDim)
            proj[m] = Linear("coral.proj_\(m.rawValue)", inFeatures: inW, outFeatures: config.coralWidth, bias: false, rng: &rng)
        }
        projections = proj
    }

    /// The trained layers by group: audio subnet, visual subnet, everything else.
    public var audioParameters: [Parameter] { audioNet?.parameters ?? [] }
    public var visualParameters: [Parameter] { visualNet?.parameters ?? [] }
    public var otherParameters: [Parameter] {
        var p = fusion.parameters
        for h in [textHead, audioHead, visualHead] { p += h?.parameters ?? [] }
        if config.coralTrainableProjection { for m in config.modalities { p += projections[m]?.parameters ?? [] } }
        return p
    }
    /// Every tensor of a checkpoint (including fixed projections).
    public var allParameters: [Parameter] {
        var p = audioParameters + visualParameters + otherParameters
        if !config.coralTrainableProjection { for m in config.modalities { p += projections[m]?.parameters ?? [] } }
        return p
    }

    public func head(_ m: Modality) -> Head? {
        switch m { case .text: textHead; case .audio: audioHead; case .visual: visualHead }
    }

    /// Forward pass. `training` enables dropout (drawn from `rng`).
    public func callAsFunction(_ input: ModelInput, tape: Tape?, training: Bool, rng: inout SeededRNG) -> ModelOutput {
        var reps: [Modality: Var] = [:]
        if config.hasText, let t = input.text {
            precondition(t.shape.count == 2 && t.shape[1] == config.textDim, "text input \(t.shape), model expects [B, \(config.textDim)]")
            reps[.text] = Var(t)
        }
        if let net = audioNet, let a = input.audio {
            reps[.audio] = net(Var(a), lengths: input.audioLengths, tape: tape, training: training, rng: &rng)
        }
        if let net = visualNet, let v = input.visual {
            reps[.visual] = net(Var(v), lengths: input.visualLengths, tape: tape, training: training, rng: &rng)
        }
        let parts = config.modalities.compactMap { reps[$0] }
        precondition(parts.count == config.modalities.count, "input lacks a modality of \(config.modalities)")
        let fused = parts.count == 1 ? parts[0] : concat(parts, axis: 1)
        let (fm, m) = fusion(fused, tape: tape, training: training, rng: &rng)
        var out = ModelOutput(m: m, fm: fm)
        for mod in config.modalities {
            guard let h = head(mod), let r = reps[mod] else { continue }
            let (f, o) = h(r, tape: tape, training: training, rng: &rng)
            out.heads[mod] = o
            out.features[mod] = f
        }
        return out
    }

    /// Projection of F_s to the common CORAL width.
    public func projected(_ feature: Var, _ m: Modality, tape: Tape?) -> Var {
        guard let p = projections[m] else { return feature }
        if config.coralTrainableProjection { return p(feature, tape: tape) }
        return linear(feature, weight: Var(p.weight.value), bias: nil)
    }
}

extension SelfMM {
    /// Throws unless `data` has every modality of the model with the model's widths.
    public func checkInputs(_ data: SplitData, source: String) throws {
        func bad(_ r: String) -> ModelError { .badData(source: source, reason: r) }
        if config.hasText {
            guard let t = data.textFeatures else { throw bad("no text inputs, which the model needs") }
            guard t.rank == 2, t.shape[1] == config.textDim else { throw bad("text features of width \(t.shape.last ?? 0), the model needs \(config.textDim)") }
        }
        for (m, seqs, width) in [(Modality.audio, data.audio, config.audioIn), (.visual, data.visual, config.visualIn)] where config.modalities.contains(m) {
            guard let seqs else { throw bad("no \(m.rawValue) inputs, which the model needs") }
            if let s = seqs.first(where: { $0.rank != 2 || $0.shape[1] != width }) {
                throw bad("\(m.rawValue) features of shape \(s.shape), the model needs [T, \(width)]")
            }
        }
    }
}
