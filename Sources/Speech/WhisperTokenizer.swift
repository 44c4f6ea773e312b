// Whisper's GPT-2 byte-level BPE vocabulary (vocabulary.txt, one token per line, id = line
// number − 1). Decoding maps each token's characters back to bytes (GPT-2's
// bytes_to_unicode table) and reads the bytes as UTF-8.
import Foundation

public struct WhisperTokenizer: Sendable {
    public let tokens: [String]
    public let endOfText: Int
    public let startOfTranscript: Int
    public let noTimestamps: Int
    public let noSpeech: Int
    public let timestampBegin: Int
    public let translate: Int?
    public let transcribe: Int?
    public let startOfPrevious: Int?
    public let startOfLM: Int?
    /// Byte for each character GPT-2 uses to spell a byte.
    private let byteOf: [Character: UInt8]

    public init(contentsOf url: URL) throws(SpeechError) {
        let text: String
        do { text = try String(contentsOf: url, encoding: .utf8) } catch {
            throw SpeechError(.unreadable, input: url.path, reason: "\(error.localizedDescription)")
        }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        try self.init(tokens: lines, file: url.path)
    }

    public init(tokens: [String], file: String = "vocabulary") throws(SpeechError) {
        self.tokens = tokens
        var index: [String: Int] = [:]
        for (i, t) in tokens.enumerated() where index[t] == nil { index[t] = i }
        func id(_ t: String) throws(SpeechError) -> Int {
            guard let i = index[t] else {
                throw SpeechError(.invalidConfig, input: file, reason: "lacks the special token \(t)")
            }
            return i
        }
        endOfText = try id("<|endoftext|>")
        startOfTranscript = try id("<|startoftranscript|>")
        noTimestamps = try id("<|notimestamps|>")
        if let n = index["<|nospeech|>"] { noSpeech = n } else { noSpeech = try id("<|nocaptions|>") }
        timestampBegin = noTimestamps + 1
        translate = index["<|translate|>"]
        transcribe = index["<|transcribe|>"]
        startOfPrevious = index["<|startofprev|>"]
        startOfLM = index["<|startoflm|>"]
        var map: [Character: UInt8] = [:]
        var extra = 0
        for b in 0..<256 {
            let printable = (33...126).contains(b) || (161...172).contains(b) || (174...255).contains(b)
            let scalar = printable ? b : 256 + extra
            if !printable { extra += 1 }
            map[Character(Unicode.Scalar(UInt32(scalar))!)] = UInt8(b)
        }
        byteOf = map
    }

    public var count: Int { tokens.count }

    /// Text of `ids`; special and timestamp tokens (id ≥ <|endoftext|>) are left out, like
    /// faster-whisper's `Tokenizer.decode`. Invalid UTF-8 becomes U+FFFD.
    public func decode(_ ids: [Int]) -> String {
        String(decoding: bytes(ids.filter { $0 < endOfText }), as: UTF8.self)
    }

    /// The bytes that `ids` spell.
    public func bytes(_ ids: [Int]) -> [UInt8] {
        var out: [UInt8] = []
        for i in ids where i >= 0 && i < tokens.count {
            for c in tokens[i] {
                if let b = byteOf[c] { out.append(b) } else { out.append(contentsOf: Array(String(c).utf8)) }
            }
        }
        return out
    }
}
