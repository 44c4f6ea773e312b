import Foundation
import Tensor

/// Tokenizer and BERT encoder of one model directory, for turning texts into sentence vectors.
public struct TextEncoder: Sendable {
    public let tokenizer: WordPieceTokenizer
    public let encoder: BertEncoder
    /// Default maximum tokens per text (sentence_bert_config.json's max_seq_length when present,
    /// else the model's position count).
    public let maxLength: Int

    /// Vectors of a batch of texts, with what truncation did.
    public struct Embeddings: Sendable {
        /// [texts, hidden]
        public var vectors: Tensor
        /// Tokens used per text (with [CLS] and [SEP]) and before truncation.
        public var tokenCounts: [Int]
        public var untruncatedCounts: [Int]
        public var truncated: [Bool]
    }

    /// Loads config.json, vocab.txt, model.safetensors (and sentence_bert_config.json if any).
    public init(directory: URL) throws {
        encoder = try BertEncoder(directory: directory)
        tokenizer = try WordPieceTokenizer(vocabularyFile: directory.appendingPathComponent("vocab.txt"))
        var limit = encoder.config.maxPositionEmbeddings
        if let data = try? Data(contentsOf: directory.appendingPathComponent("sentence_bert_config.json")),
           let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
           let n = object["max_seq_length"] as? Int, n >= 2 {
            limit = min(n, limit)
        }
        maxLength = limit
    }

    /// Pooled vectors of `texts` (one padded batch; lengths capped at `maxLength`, which is
    /// itself capped at the model's positions).
    public func embed(_ texts: [String], pooling: Pooling, maxLength: Int? = nil) throws -> Embeddings {
        let limit = max(2, min(maxLength ?? self.maxLength, encoder.config.maxPositionEmbeddings))
        let batch = tokenizer.encodeBatch(texts, maxLength: limit)
        let vectors = try encoder.embed(batch, pooling: pooling)
        let counts = (0..<batch.batch).map { b in Int(batch.mask[(b * batch.length)..<((b + 1) * batch.length)].reduce(0, +)) }
        return Embeddings(vectors: vectors, tokenCounts: counts, untruncatedCounts: batch.untruncatedCounts, truncated: batch.truncated)
    }
}
