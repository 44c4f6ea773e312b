/// What went wrong loading a tokenizer or an encoder; names the file and the problem.
public enum TextError: Error, CustomStringConvertible, Equatable {
    case unreadable(file: String, reason: String)
    case emptyVocabulary(file: String)
    case missingSpecialToken(token: String, file: String)
    case invalidConfig(file: String, reason: String)
    case notBertFamily(file: String, modelType: String)
    case missingWeights(directory: String)
    case batchDoesNotFit(reason: String)

    public var description: String {
        switch self {
        case let .unreadable(f, r): return "cannot read \(f): \(r)"
        case let .emptyVocabulary(f): return "vocabulary \(f) has no tokens"
        case let .missingSpecialToken(t, f): return "vocabulary \(f) lacks the special token \(t)"
        case let .invalidConfig(f, r): return "config \(f) is invalid: \(r)"
        case let .notBertFamily(f, m): return "config \(f) describes a '\(m)' model, not a BERT-family encoder (model_type must be \"bert\" with absolute positions and GELU)"
        case let .missingWeights(d): return "model directory \(d) has no model.safetensors"
        case let .batchDoesNotFit(r): return "token batch does not fit the encoder: \(r)"
        }
    }
}
