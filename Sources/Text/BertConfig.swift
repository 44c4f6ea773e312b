import Foundation

/// The fields of a Hugging Face BERT config.json that the encoder uses.
public struct BertConfig: Sendable, Equatable, Decodable {
    public var modelType: String
    public var vocabSize: Int
    public var hiddenSize: Int
    public var numHiddenLayers: Int
    public var numAttentionHeads: Int
    public var intermediateSize: Int
    public var maxPositionEmbeddings: Int
    public var typeVocabSize: Int
    public var layerNormEps: Float
    public var hiddenAct: String
    public var positionEmbeddingType: String
    public var hiddenDropoutProb: Float
    public var attentionProbsDropoutProb: Float

    enum CodingKeys: String, CodingKey {
        case modelType = "model_type", vocabSize = "vocab_size", hiddenSize = "hidden_size"
        case numHiddenLayers = "num_hidden_layers", numAttentionHeads = "num_attention_heads"
        case intermediateSize = "intermediate_size", maxPositionEmbeddings = "max_position_embeddings"
        case typeVocabSize = "type_vocab_size", layerNormEps = "layer_norm_eps", hiddenAct = "hidden_act"
        case positionEmbeddingType = "position_embedding_type"
        case hiddenDropoutProb = "hidden_dropout_prob", attentionProbsDropoutProb = "attention_probs_dropout_prob"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        modelType = try c.decodeIfPresent(String.self, forKey: .modelType) ?? ""
        vocabSize = try c.decode(Int.self, forKey: .vocabSize)
        hiddenSize = try c.decode(Int.self, forKey: .hiddenSize)
        numHiddenLayers = try c.decode(Int.self, forKey: .numHiddenLayers)
        numAttentionHeads = try c.decode(Int.self, forKey: .numAttentionHeads)
        intermediateSize = try c.decode(Int.self, forKey: .intermediateSize)
        maxPositionEmbeddings = try c.decodeIfPresent(Int.self, forKey: .maxPositionEmbeddings) ?? 512
        typeVocabSize = try c.decodeIfPresent(Int.self, forKey: .typeVocabSize) ?? 2
        layerNormEps = try c.decodeIfPresent(Float.self, forKey: .layerNormEps) ?? 1e-12
        hiddenAct = try c.decodeIfPresent(String.self, forKey: .hiddenAct) ?? "gelu"
        positionEmbeddingType = try c.decodeIfPresent(String.self, forKey: .positionEmbeddingType) ?? "absolute"
        hiddenDropoutProb = try c.decodeIfPresent(Float.self, forKey: .hiddenDropoutProb) ?? 0.1
        attentionProbsDropoutProb = try c.decodeIfPresent(Float.self, forKey: .attentionProbsDropoutProb) ?? 0.1
    }

    /// Reads and validates config.json; throws `TextError.notBertFamily` for other models.
    public static func load(_ url: URL) throws -> BertConfig {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw TextError.unreadable(file: url.path, reason: error.localizedDescription)
        }
        return try decode(data, source: url.path)
    }

    public static func decode(_ data: Data, source: String = "config.json") throws -> BertConfig {
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw TextError.invalidConfig(file: source, reason: "not a JSON object")
        }
        let type = object["model_type"] as? String ?? "(none)"
        let act = object["hidden_act"] as? String ?? "gelu"
        let pos = object["position_embedding_type"] as? String ?? "absolute"
        guard type == "bert", act == "gelu", pos == "absolute" else {
            throw TextError.notBertFamily(file: source, modelType: type == "bert" ? "bert with hidden_act \(act), position_embedding_type \(pos)" : type)
        }
        let config: BertConfig
        do { config = try JSONDecoder().decode(BertConfig.self, from: data) } catch {
            throw TextError.invalidConfig(file: source, reason: "\(error)")
        }
        guard config.hiddenSize > 0, config.numAttentionHeads > 0, config.hiddenSize % config.numAttentionHeads == 0,
              config.numHiddenLayers > 0, config.vocabSize > 0, config.intermediateSize > 0 else {
            throw TextError.invalidConfig(file: source, reason: "hidden_size \(config.hiddenSize) must be a positive multiple of num_attention_heads \(config.numAttentionHeads), with positive layer, vocabulary and intermediate sizes")
        }
        return config
    }
}
