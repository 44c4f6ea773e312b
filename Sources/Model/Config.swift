// Configuration of the Self-MM network and its training (DESIGN.md §4). Codable so that a
// checkpoint's manifest and `sentio train --config` share one format; every field has the
// default of MMSA's SELF_MM configuration for MOSEI unless said otherwise.

/// The input modalities a model uses.
public enum Modality: String, Codable, Sendable, CaseIterable, Comparable {
    case text, audio, visual
    public static func < (a: Modality, b: Modality) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
    /// Head name in MMSA: T, A, V.
    public var head: String { switch self { case .text: "T"; case .audio: "A"; case .visual: "V" } }
}

/// A pair of modalities whose representations the covariance (CORAL) loss aligns.
public struct ModalityPair: Codable, Sendable, Equatable, Hashable {
    public var first: Modality
    public var second: Modality
    public init(_ first: Modality, _ second: Modality) { self.first = first; self.second = second }
}

/// Network shape (what a checkpoint must agree with).
public struct NetworkConfig: Codable, Sendable, Equatable {
    public var modalities: [Modality] = [.text, .audio, .visual]
    /// Width of the text representation F_t (the encoder's hidden size: 384 for MiniLM, 768 for bert-base).
    public var textDim = 384
    public var audioIn = 74
    public var visualIn = 35
    public var audioLSTMHidden = 16
    public var visualLSTMHidden = 32
    public var audioOut = 16
    public var visualOut = 32
    public var postFusionDim = 128
    public var postTextDim = 32
    public var postAudioDim = 16
    public var postVisualDim = 32
    public var audioLSTMDropout: Float = 0.0
    public var visualLSTMDropout: Float = 0.0
    public var postFusionDropout: Float = 0.1
    public var postTextDropout: Float = 0.1
    public var postAudioDropout: Float = 0.1
    public var postVisualDropout: Float = 0.1
    /// Common width d of the projections before the covariance loss.
    public var coralWidth = 32
    /// Train the CORAL projections (false: fixed random projections, which cannot collapse to 0).
    public var coralTrainableProjection = false

    public init() {}
    public var hasText: Bool { modalities.contains(.text) }
    public var hasAudio: Bool { modalities.contains(.audio) }
    public var hasVisual: Bool { modalities.contains(.visual) }
}

/// Training hyper-parameters.
public struct TrainingConfig: Codable, Sendable, Equatable {
    public var batchSize = 32
    /// Batches whose gradients are summed before one optimiser step (MMSA's update_epochs).
    public var accumulationSteps = 1
    public var maxEpochs = 40
    /// Early stopping: epochs without a better validation M loss.
    public var patience = 8
    public var seed: UInt64 = 1111
    public var learningRateAudio: Float = 5e-3
    public var learningRateVisual: Float = 5e-3
    public var learningRateOther: Float = 1e-3
    public var weightDecayAudio: Float = 0
    public var weightDecayVisual: Float = 0
    public var weightDecayOther: Float = 0
    /// ULGM on (Self-MM); off: unimodal heads learn y_m with weight 1 (plain multi-task).
    public var ulgm = true
    /// Label bound H (3 for MOSI/MOSEI, 1 for SIMS).
    public var labelBound: Float = 3
    /// Positive centre over y > 0 (true) or y ≥ 0 (MMSA's excludeZero).
    public var excludeZero = true
    /// Weight w_s of each subtask loss.
    public var subtaskWeight: Float = 1
    /// λ of the covariance loss (0: off).
    public var coralWeight: Float = 0.1
    public var coralPairs: [ModalityPair] = [ModalityPair(.audio, .visual), ModalityPair(.text, .audio), ModalityPair(.text, .visual)]
    /// Shuffle the training set every epoch (false: data order, for parity runs).
    public var shuffle = true
    /// Gradient-norm clip (0: none).
    public var clipNorm: Float = 0

    public init() {}
}

/// Everything `sentio train --config` reads.
public struct ModelConfig: Codable, Sendable, Equatable {
    public var network = NetworkConfig()
    public var training = TrainingConfig()
    public init(network: NetworkConfig = NetworkConfig(), training: TrainingConfig = TrainingConfig()) {
        self.network = network
        self.training = training
    }
}

extension NetworkConfig {
    enum CodingKeys: String, CodingKey {
        case modalities, textDim, audioIn, visualIn, audioLSTMHidden, visualLSTMHidden, audioOut, visualOut
        case postFusionDim, postTextDim, postAudioDim, postVisualDim, audioLSTMDropout, visualLSTMDropout
        case postFusionDropout, postTextDropout, postAudioDropout, postVisualDropout, coralWidth, coralTrainableProjection
    }
    /// Missing keys take their defaults, so a config file names only what it changes.
    public init(from decoder: Decoder) throws {
        self.init()
        let c = try decoder.container(keyedBy: CodingKeys.self)
        func get<T: Decodable>(_ k: CodingKeys, _ v: inout T) throws { if let x = try c.decodeIfPresent(T.self, forKey: k) { v = x } }
        try get(.modalities, &modalities); try get(.textDim, &textDim); try get(.audioIn, &audioIn); try get(.visualIn, &visualIn)
        try get(.audioLSTMHidden, &audioLSTMHidden); try get(.visualLSTMHidden, &visualLSTMHidden)
        try get(.audioOut, &audioOut); try get(.visualOut, &visualOut); try get(.postFusionDim, &postFusionDim)
        try get(.postTextDim, &postTextDim); try get(.postAudioDim, &postAudioDim); try get(.postVisualDim, &postVisualDim)
        try get(.audioLSTMDropout, &audioLSTMDropout); try get(.visualLSTMDropout, &visualLSTMDropout)
        try get(.postFusionDropout, &postFusionDropout); try get(.postTextDropout, &postTextDropout)
        try get(.postAudioDropout, &postAudioDropout); try get(.postVisualDropout, &postVisualDropout)
        try get(.coralWidth, &coralWidth); try get(.coralTrainableProjection, &coralTrainableProjection)
        modalities = Array(Set(modalities)).sorted()
    }
}

extension TrainingConfig {
    enum CodingKeys: String, CodingKey {
        case batchSize, accumulationSteps, maxEpochs, patience, seed, learningRateAudio, learningRateVisual, learningRateOther
        case weightDecayAudio, weightDecayVisual, weightDecayOther, ulgm, labelBound, excludeZero, subtaskWeight
        case coralWeight, coralPairs, shuffle, clipNorm
    }
    public init(from decoder: Decoder) throws {
        self.init()
        let c = try decoder.container(keyedBy: CodingKeys.self)
        func get<T: Decodable>(_ k: CodingKeys, _ v: inout T) throws { if let x = try c.decodeIfPresent(T.self, forKey: k) { v = x } }
        try get(.batchSize, &batchSize); try get(.accumulationSteps, &accumulationSteps); try get(.maxEpochs, &maxEpochs)
        try get(.patience, &patience); try get(.seed, &seed); try get(.learningRateAudio, &learningRateAudio)
        try get(.learningRateVisual, &learningRateVisual); try get(.learningRateOther, &learningRateOther)
        try get(.weightDecayAudio, &weightDecayAudio); try get(.weightDecayVisual, &weightDecayVisual)
        try get(.weightDecayOther, &weightDecayOther); try get(.ulgm, &ulgm); try get(.labelBound, &labelBound)
        try get(.excludeZero, &excludeZero); try get(.subtaskWeight, &subtaskWeight); try get(.coralWeight, &coralWeight)
        try get(.coralPairs, &coralPairs); try get(.shuffle, &shuffle); try get(.clipNorm, &clipNorm)
    }
}

extension ModelConfig {
    enum CodingKeys: String, CodingKey { case network, training }
    public init(from decoder: Decoder) throws {
        self.init()
        let c = try decoder.container(keyedBy: CodingKeys.self)
        if let n = try c.decodeIfPresent(NetworkConfig.self, forKey: .network) { network = n }
        if let t = try c.decodeIfPresent(TrainingConfig.self, forKey: .training) { training = t }
    }
}
