// Whisper (encoder-decoder transformer) with the weights of a CTranslate2 "WhisperSpec"
// model directory (model.bin, config.json, vocabulary.txt). Forward only, Float32, on
// Tensor's inference kernels. Variable names follow CTranslate2's whisper_spec.py /
// transformer_spec.py: fused QKV in self-attention (linear_0), query (linear_0) and fused
// KV (linear_1) in cross-attention, pre-norm blocks, output projection tied to the token
// embedding.
import Foundation
import Tensor

struct Linear: Sendable {
    var weight: [Float]
    var bias: [Float]?
    var outFeatures: Int
    var inFeatures: Int

    init(_ model: CTranslate2Model, _ prefix: String, out: Int, in: Int, bias hasBias: Bool = true) throws(SpeechError) {
        weight = try model.values(prefix + "/weight", shape: [out, `in`])
        bias = hasBias ? try model.values(prefix + "/bias", shape: [out]) : nil
        outFeatures = out; inFeatures = `in`
    }

    init(weight: [Float], bias: [Float]?, out: Int, in: Int) {
        self.weight = weight; self.bias = bias; outFeatures = out; inFeatures = `in`
    }

    func callAsFunction(_ x: [Float], rows: Int, into y: inout [Float]) {
        Inference.linear(x, rows: rows, weight: weight, outFeatures: outFeatures, bias: bias, into: &y)
    }
}

struct Norm: Sendable {
    var gamma: [Float]
    var beta: [Float]

    init(_ model: CTranslate2Model, _ prefix: String, width: Int) throws(SpeechError) {
        gamma = try model.values(prefix + "/gamma", shape: [width])
        beta = try model.values(prefix + "/beta", shape: [width])
    }

    func callAsFunction(_ x: [Float], rows: Int, into y: inout [Float]) {
        Inference.layerNorm(x, rows: rows, gamma: gamma, beta: beta, eps: 1e-5, into: &y)
    }
}

struct EncoderLayer: Sendable {
    var attentionNorm: Norm, qkv: Linear, attentionOut: Linear
    var ffnNorm: Norm, ffnIn: Linear, ffnOut: Linear
}

struct DecoderLayer: Sendable {
    var selfNorm: Norm, selfQKV: Linear, selfOut: Linear
    var crossNorm: Norm, crossQuery: Linear, crossKV: Linear, crossOut: Linear
    var ffnNorm: Norm, ffnIn: Linear, ffnOut: Linear
}

/// Settings of config.json that decoding uses.
public struct WhisperConfig: Sendable, Equatable {
    public var suppressIDs: [Int]
    public var suppressIDsBegin: [Int]
    /// (decoder layer, head) pairs whose cross-attention follows word timing.
    public var alignmentHeads: [[Int]]
    public var languageIDs: [Int]

    public init(contentsOf url: URL) throws(SpeechError) {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw SpeechError(.unreadable, input: url.path, reason: "\(error.localizedDescription)")
        }
        guard let object = try? JSONSerialization.jsonObject(with: data), let dict = object as? [String: Any] else {
            throw SpeechError(.invalidConfig, input: url.path, reason: "not a JSON object")
        }
        func ints(_ key: String) -> [Int] { (dict[key] as? [Any])?.compactMap { ($0 as? NSNumber)?.intValue } ?? [] }
        suppressIDs = ints("suppress_ids")
        suppressIDsBegin = ints("suppress_ids_begin")
        languageIDs = ints("lang_ids")
        alignmentHeads = ((dict["alignment_heads"] as? [Any]) ?? []).compactMap { pair in
            (pair as? [Any])?.compactMap { ($0 as? NSNumber)?.intValue }
        }.filter { $0.count == 2 }
    }
}

public struct WhisperModel: Sendable {
    public let tokenizer: WhisperTokenizer
    public let config: WhisperConfig
    /// Model width, attention heads, mel bins, encoder frames (after the stride-2 conv).
    public let width: Int, heads: Int, melCount: Int, encoderFrames: Int
    /// Longest decoder sequence (learned positions).
    public let maxPositions: Int
    public let vocabularySize: Int
    let conv1: Linear, conv2: Linear
    let encoderPositions: [Float]
    let encoderLayers: [EncoderLayer]
    let encoderNorm: Norm
    let embeddings: [Float]
    let decoderPositions: [Float]
    let decoderLayers: [DecoderLayer]
    let decoderNorm: Norm

    /// Loads model.bin, config.json and vocabulary.txt from `directory`.
    public init(directory: URL) throws(SpeechError) {
        let tokenizer = try WhisperTokenizer(contentsOf: directory.appendingPathComponent("vocabulary.txt"))
        let config = try WhisperConfig(contentsOf: directory.appendingPathComponent("config.json"))
        let model = try CTranslate2Model(contentsOf: directory.appendingPathComponent("model.bin"))
        try self.init(model: model, config: config, tokenizer: tokenizer)
    }

    public init(model: CTranslate2Model, config: WhisperConfig, tokenizer: WhisperTokenizer) throws(SpeechError) {
        guard model.spec == "WhisperSpec" else {
            throw SpeechError(.corrupt, input: "\(model.file) header", reason: "spec \"\(model.spec)\" is not WhisperSpec")
        }
        guard model.revision <= 3 else {
            throw SpeechError(.corrupt, input: "\(model.file) header", reason: "WhisperSpec revision \(model.revision) is newer than 3")
        }
        self.tokenizer = tokenizer
        self.config = config
        let conv1Var = try model.variable("encoder/conv1/weight")
        guard conv1Var.shape.count == 3, conv1Var.shape[2] == 3 else {
            throw SpeechError(.wrongShape, input: "encoder/conv1/weight", reason: "\(conv1Var.shape), expected [width, mels, 3]")
        }
        let d = conv1Var.shape[0], mels = conv1Var.shape[1]
        width = d; melCount = mels
        heads = try model.integer("encoder/num_heads")
        guard heads > 0, d % heads == 0, try model.integer("decoder/num_heads") == heads else {
            throw SpeechError(.corrupt, input: "encoder/num_heads", reason: "\(heads) heads do not divide width \(d) or differ from decoder/num_heads")
        }
        conv1 = Linear(weight: conv1Var.values, bias: try model.values("encoder/conv1/bias", shape: [d]), out: d, in: mels * 3)
        conv2 = Linear(weight: try model.values("encoder/conv2/weight", shape: [d, d, 3]),
                       bias: try model.values("encoder/conv2/bias", shape: [d]), out: d, in: d * 3)
        let encPos = try model.variable("encoder/position_encodings/encodings")
        guard encPos.shape.count == 2, encPos.shape[1] == d else {
            throw SpeechError(.wrongShape, input: encPos.name, reason: "\(encPos.shape), expected [frames, \(d)]")
        }
        encoderFrames = encPos.shape[0]
        encoderPositions = encPos.values
        let ffn = try model.variable("encoder/layer_0/ffn/linear_0/weight").shape.first ?? 0
        var enc: [EncoderLayer] = []
        while model.variables["encoder/layer_\(enc.count)/self_attention/linear_0/weight"] != nil {
            let p = "encoder/layer_\(enc.count)"
            enc.append(EncoderLayer(
                attentionNorm: try Norm(model, p + "/self_attention/layer_norm", width: d),
                qkv: try Linear(model, p + "/self_attention/linear_0", out: 3 * d, in: d),
                attentionOut: try Linear(model, p + "/self_attention/linear_1", out: d, in: d),
                ffnNorm: try Norm(model, p + "/ffn/layer_norm", width: d),
                ffnIn: try Linear(model, p + "/ffn/linear_0", out: ffn, in: d),
                ffnOut: try Linear(model, p + "/ffn/linear_1", out: d, in: ffn)))
        }
        guard !enc.isEmpty else { throw SpeechError(.missingVariable, input: "encoder/layer_0/self_attention/linear_0/weight", reason: "") }
        encoderLayers = enc
        encoderNorm = try Norm(model, "encoder/layer_norm", width: d)

        let emb = try model.variable("decoder/embeddings/weight")
        guard emb.shape.count == 2, emb.shape[1] == d else {
            throw SpeechError(.wrongShape, input: emb.name, reason: "\(emb.shape), expected [vocabulary, \(d)]")
        }
        vocabularySize = emb.shape[0]
        guard vocabularySize == tokenizer.count else {
            throw SpeechError(.invalidConfig, input: "vocabulary.txt", reason: "\(tokenizer.count) tokens, the model has \(vocabularySize)")
        }
        embeddings = emb.values
        let decPos = try model.variable("decoder/position_encodings/encodings")
        guard decPos.shape.count == 2, decPos.shape[1] == d else {
            throw SpeechError(.wrongShape, input: decPos.name, reason: "\(decPos.shape), expected [positions, \(d)]")
        }
        maxPositions = decPos.shape[0]
        decoderPositions = decPos.values
        var dec: [DecoderLayer] = []
        while model.variables["decoder/layer_\(dec.count)/self_attention/linear_0/weight"] != nil {
            let p = "decoder/layer_\(dec.count)"
            dec.append(DecoderLayer(
                selfNorm: try Norm(model, p + "/self_attention/layer_norm", width: d),
                selfQKV: try Linear(model, p + "/self_attention/linear_0", out: 3 * d, in: d),
                selfOut: try Linear(model, p + "/self_attention/linear_1", out: d, in: d),
                crossNorm: try Norm(model, p + "/attention/layer_norm", width: d),
                crossQuery: try Linear(model, p + "/attention/linear_0", out: d, in: d),
                crossKV: try Linear(model, p + "/attention/linear_1", out: 2 * d, in: d),
                crossOut: try Linear(model, p + "/attention/linear_2", out: d, in: d),
                ffnNorm: try Norm(model, p + "/ffn/layer_norm", width: d),
                ffnIn: try Linear(model, p + "/ffn/linear_0", out: ffn, in: d),
                ffnOut: try Linear(model, p + "/ffn/linear_1", out: d, in: ffn)))
        }
        guard !dec.isEmpty else { throw SpeechError(.missingVariable, input: "decoder/layer_0/self_attention/linear_0/weight", reason: "") }
        decoderLayers = dec
        decoderNorm = try Norm(model, "decoder/layer_norm", width: d)
        for pair in config.alignmentHeads where !(0..<dec.count ~= pair[0] && 0..<heads ~= pair[1]) {
            throw SpeechError(.invalidConfig, input: "config.json",
                              reason: "alignment head \(pair) is outside \(dec.count) decoder layers × \(heads) heads")
        }
    }

    /// Mel frames of one encoder window (twice the encoder positions: 3000 for 30 s).
    public var windowFrames: Int { 2 * encoderFrames }

    // MARK: encoder

    /// Encoder output [encoderFrames × width] of one window of log-mel features
    /// [melCount × windowFrames] (mel-major, as `WhisperMel.features` returns a window of it).
    public func encode(_ mel: [Float]) -> [Float] {
        let frames = windowFrames, t = encoderFrames, d = width, c = melCount
        precondition(mel.count == c * frames, "encode: needs \(c)×\(frames) mel values, got \(mel.count)")
        // conv1 (kernel 3, padding 1) as im2col + GEMM: column (channel·3 + tap).
        var cols = [Float](repeating: 0, count: frames * c * 3)
        for ch in 0..<c {
            let row = ch * frames
            for f in 0..<frames {
                let o = f * c * 3 + ch * 3
                if f > 0 { cols[o] = mel[row + f - 1] }
                cols[o + 1] = mel[row + f]
                if f + 1 < frames { cols[o + 2] = mel[row + f + 1] }
            }
        }
        var h1 = [Float](repeating: 0, count: frames * d)
        conv1(cols, rows: frames, into: &h1)
        Inference.gelu(&h1)
        // conv2 (kernel 3, stride 2, padding 1).
        var cols2 = [Float](repeating: 0, count: t * d * 3)
        for o in 0..<t {
            for tap in 0..<3 {
                let src = 2 * o + tap - 1
                if src < 0 || src >= frames { continue }
                let base = src * d, dst = o * d * 3 + tap
                for ch in 0..<d { cols2[dst + ch * 3] = h1[base + ch] }
            }
        }
        var x = [Float](repeating: 0, count: t * d)
        conv2(cols2, rows: t, into: &x)
        Inference.gelu(&x)
        Inference.add(encoderPositions, to: &x)
        var scratch = EncoderScratch(frames: t, width: d, ffn: encoderLayers[0].ffnIn.outFeatures)
        for layer in encoderLayers { encoderBlock(layer, &x, &scratch) }
        var out = [Float](repeating: 0, count: t * d)
        encoderNorm(x, rows: t, into: &out)
        return out
    }

    struct EncoderScratch {
        var normed, qkv, context, projected, hidden, scores: [Float]
        init(frames t: Int, width d: Int, ffn: Int) {
            normed = [Float](repeating: 0, count: t * d)
            qkv = [Float](repeating: 0, count: t * 3 * d)
            context = [Float](repeating: 0, count: t * d)
            projected = [Float](repeating: 0, count: t * d)
            hidden = [Float](repeating: 0, count: t * ffn)
            scores = [Float](repeating: 0, count: t * t)
        }
    }

    private func encoderBlock(_ layer: EncoderLayer, _ x: inout [Float], _ s: inout EncoderScratch) {
        let t = encoderFrames, d = width, dh = d / heads
        let scale = 1 / Float(dh).squareRoot()
        layer.attentionNorm(x, rows: t, into: &s.normed)
        layer.qkv(s.normed, rows: t, into: &s.qkv)
        for h in 0..<heads {
            Inference.gemm(transposeB: true, m: t, n: t, k: dh, alpha: scale, s.qkv, aOffset: h * dh, lda: 3 * d,
                           s.qkv, bOffset: d + h * dh, ldb: 3 * d, into: &s.scores, ldc: t)
            Inference.softmaxRows(&s.scores, rows: t, columns: t)
            Inference.gemm(m: t, n: dh, k: t, s.scores, lda: t, s.qkv, bOffset: 2 * d + h * dh, ldb: 3 * d,
                           into: &s.context, cOffset: h * dh, ldc: d)
        }
        layer.attentionOut(s.context, rows: t, into: &s.projected)
        Inference.add(s.projected, to: &x)
        layer.ffnNorm(x, rows: t, into: &s.normed)
        layer.ffnIn(s.normed, rows: t, into: &s.hidden)
        Inference.gelu(&s.hidden)
        layer.ffnOut(s.hidden, rows: t, into: &s.projected)
        Inference.add(s.projected, to: &x)
    }

    // MARK: decoder

    /// Starts decoding against one window's encoder output: computes every layer's
    /// cross-attention keys and values once.
    public func decoderState(encoderOutput: [Float]) -> WhisperDecoderState {
        let t = encoderFrames, d = width
        precondition(encoderOutput.count == t * d, "decoderState: encoder output must be \(t)×\(d)")
        var crossKV: [[Float]] = []
        for layer in decoderLayers {
            var kv = [Float](repeating: 0, count: t * 2 * d)
            layer.crossKV(encoderOutput, rows: t, into: &kv)
            crossKV.append(kv)
        }
        return WhisperDecoderState(model: self, crossKV: crossKV)
    }

    /// Logits [vocabularySize] for the next token after `token` at `position`; appends the
    /// token's keys and values to `state`. When `crossAttention` is given, it receives each
    /// layer's scaled cross-attention scores before the softmax [heads × encoderFrames] (for alignment).
    public func decode(token: Int, position: Int, state: inout WhisperDecoderState,
                       crossAttention: ((Int, [Float]) -> Void)? = nil) -> [Float] {
        precondition(position < maxPositions && position == state.length, "decode: position \(position) out of order")
        let d = width, dh = d / heads, t = encoderFrames, n = position + 1
        let scale = 1 / Float(dh).squareRoot()
        var x = [Float](repeating: 0, count: d)
        for i in 0..<d { x[i] = embeddings[token * d + i] + decoderPositions[position * d + i] }
        for (l, layer) in decoderLayers.enumerated() {
            // Causal self-attention over the cache.
            layer.selfNorm(x, rows: 1, into: &state.normed)
            layer.selfQKV(state.normed, rows: 1, into: &state.qkv)
            for i in 0..<d {
                state.keys[l][position * d + i] = state.qkv[d + i]
                state.values[l][position * d + i] = state.qkv[2 * d + i]
            }
            for h in 0..<heads {
                Inference.gemm(transposeB: true, m: 1, n: n, k: dh, alpha: scale, state.qkv, aOffset: h * dh, lda: d,
                               state.keys[l], bOffset: h * dh, ldb: d, into: &state.scores, ldc: n)
                Inference.softmaxRows(&state.scores, rows: 1, columns: n)
                Inference.gemm(m: 1, n: dh, k: n, state.scores, lda: n, state.values[l], bOffset: h * dh, ldb: d,
                               into: &state.context, cOffset: h * dh, ldc: d)
            }
            layer.selfOut(state.context, rows: 1, into: &state.projected)
            Inference.add(state.projected, to: &x)
            // Cross-attention over the window.
            layer.crossNorm(x, rows: 1, into: &state.normed)
            layer.crossQuery(state.normed, rows: 1, into: &state.query)
            for h in 0..<heads {
                Inference.gemm(transposeB: true, m: 1, n: t, k: dh, alpha: scale, state.query, aOffset: h * dh, lda: d,
                               state.crossKV[l], bOffset: h * dh, ldb: 2 * d, into: &state.crossScores, cOffset: h * t, ldc: t)
            }
            crossAttention?(l, state.crossScores)
            for h in 0..<heads {
                Inference.softmaxRows(&state.crossScores, offset: h * t, rows: 1, columns: t)
                Inference.gemm(m: 1, n: dh, k: t, state.crossScores, aOffset: h * t, lda: t, state.crossKV[l],
                               bOffset: d + h * dh, ldb: 2 * d, into: &state.context, cOffset: h * dh, ldc: d)
            }
            layer.crossOut(state.context, rows: 1, into: &state.projected)
            Inference.add(state.projected, to: &x)
            // Feed-forward.
            layer.ffnNorm(x, rows: 1, into: &state.normed)
            layer.ffnIn(state.normed, rows: 1, into: &state.hidden)
            Inference.gelu(&state.hidden)
            layer.ffnOut(state.hidden, rows: 1, into: &state.projected)
            Inference.add(state.projected, to: &x)
        }
        state.length += 1
        decoderNorm(x, rows: 1, into: &state.normed)
        var logits = [Float](repeating: 0, count: vocabularySize)
        Inference.gemm(transposeB: true, m: 1, n: vocabularySize, k: d, state.normed, lda: d, embeddings, ldb: d,
                       into: &logits, ldc: vocabularySize)
        return logits
    }
}

extension WhisperModel {
    /// Teacher-forced decoder pass over a whole token sequence at once (causal self-attention),
    /// for alignment: logits [tokens × vocabularySize]. `crossAttention(layer, head, scores)`
    /// receives each head's scaled cross-attention scores before the softmax [tokens × encoderFrames].
    public func decodeSequence(_ tokens: [Int], state: WhisperDecoderState,
                               crossAttention: (Int, Int, [Float]) -> Void) -> [Float] {
        let n = tokens.count, d = width, dh = d / heads, t = encoderFrames
        precondition(n <= maxPositions, "decodeSequence: \(n) tokens exceed \(maxPositions) positions")
        let scale = 1 / Float(dh).squareRoot()
        let ffn = decoderLayers[0].ffnIn.outFeatures
        var x = [Float](repeating: 0, count: n * d)
        for (p, token) in tokens.enumerated() {
            for i in 0..<d { x[p * d + i] = embeddings[token * d + i] + decoderPositions[p * d + i] }
        }
        var normed = [Float](repeating: 0, count: n * d), qkv = [Float](repeating: 0, count: n * 3 * d)
        var context = normed, projected = normed, query = normed
        var hidden = [Float](repeating: 0, count: n * ffn)
        var scores = [Float](repeating: 0, count: n * n), cross = [Float](repeating: 0, count: n * t)
        for (l, layer) in decoderLayers.enumerated() {
            layer.selfNorm(x, rows: n, into: &normed)
            layer.selfQKV(normed, rows: n, into: &qkv)
            for h in 0..<heads {
                Inference.gemm(transposeB: true, m: n, n: n, k: dh, alpha: scale, qkv, aOffset: h * dh, lda: 3 * d,
                               qkv, bOffset: d + h * dh, ldb: 3 * d, into: &scores, ldc: n)
                // Causal: row r sees positions 0…r (the rest become 0 after the softmax).
                for r in 0..<n { Inference.softmaxRows(&scores, offset: r * n, rows: 1, columns: n, valid: r + 1) }
                Inference.gemm(m: n, n: dh, k: n, scores, lda: n, qkv, bOffset: 2 * d + h * dh, ldb: 3 * d,
                               into: &context, cOffset: h * dh, ldc: d)
            }
            layer.selfOut(context, rows: n, into: &projected)
            Inference.add(projected, to: &x)
            layer.crossNorm(x, rows: n, into: &normed)
            layer.crossQuery(normed, rows: n, into: &query)
            for h in 0..<heads {
                Inference.gemm(transposeB: true, m: n, n: t, k: dh, alpha: scale, query, aOffset: h * dh, lda: d,
                               state.crossKV[l], bOffset: h * dh, ldb: 2 * d, into: &cross, ldc: t)
                crossAttention(l, h, cross)
                Inference.softmaxRows(&cross, rows: n, columns: t)
                Inference.gemm(m: n, n: dh, k: t, cross, lda: t, state.crossKV[l], bOffset: d + h * dh, ldb: 2 * d,
                               into: &context, cOffset: h * dh, ldc: d)
            }
            layer.crossOut(context, rows: n, into: &projected)
            Inference.add(projected, to: &x)
            layer.ffnNorm(x, rows: n, into: &normed)
            layer.ffnIn(normed, rows: n, into: &hidden)
            Inference.gelu(&hidden)
            layer.ffnOut(hidden, rows: n, into: &projected)
            Inference.add(projected, to: &x)
        }
        decoderNorm(x, rows: n, into: &normed)
        var logits = [Float](repeating: 0, count: n * vocabularySize)
        Inference.gemm(transposeB: true, m: n, n: vocabularySize, k: d, normed, lda: d, embeddings, ldb: d,
                       into: &logits, ldc: vocabularySize)
        return logits
    }
}

/// Keys and values of one window's decoding (self-attention cache + cross-attention K/V),
/// with scratch buffers reused at every step so the decoder allocates little per token.
public struct WhisperDecoderState: Sendable {
    var crossKV: [[Float]]
    var keys: [[Float]], values: [[Float]]
    var normed, qkv, query, context, projected, hidden, scores, crossScores: [Float]
    /// Tokens decoded so far.
    public internal(set) var length = 0

    init(model: WhisperModel, crossKV: [[Float]]) {
        let d = model.width
        self.crossKV = crossKV
        let cache = [Float](repeating: 0, count: model.maxPositions * d)
        keys = Array(repeating: cache, count: model.decoderLayers.count)
        values = keys
        normed = [Float](repeating: 0, count: d)
        qkv = [Float](repeating: 0, count: 3 * d)
        query = normed; context = normed; projected = normed
        hidden = [Float](repeating: 0, count: model.decoderLayers[0].ffnIn.outFeatures)
        scores = [Float](repeating: 0, count: model.maxPositions)
        crossScores = [Float](repeating: 0, count: model.heads * model.encoderFrames)
    }
}
