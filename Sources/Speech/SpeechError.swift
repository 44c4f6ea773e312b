/// What went wrong loading a Whisper model or transcribing; names the input (file or model
/// variable) and the problem.
public struct SpeechError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Kind: String, Sendable, Equatable {
        /// A file is missing or unreadable.
        case unreadable
        /// model.bin ends before a value it announces (truncated or corrupt).
        case truncated
        /// A header field or variable has a value the reader cannot accept.
        case corrupt
        /// A variable the model needs is absent.
        case missingVariable
        /// A variable has the wrong shape.
        case wrongShape
        /// config.json or vocabulary.txt is not what a Whisper model ships.
        case invalidConfig
        /// The audio cannot be transcribed (e.g. non-finite samples).
        case invalidAudio
    }

    public var kind: Kind
    /// The file, variable or input concerned.
    public var input: String
    public var reason: String

    public init(_ kind: Kind, input: String, reason: String) {
        self.kind = kind
        self.input = input
        self.reason = reason
    }

    public var description: String {
        switch kind {
        case .unreadable: return "cannot read \(input): \(reason)"
        case .truncated: return "model file is truncated at \(input): \(reason)"
        case .corrupt: return "model file is corrupt at \(input): \(reason)"
        case .missingVariable: return "model lacks the variable \(input)\(reason.isEmpty ? "" : ": \(reason)")"
        case .wrongShape: return "model variable \(input) has the wrong shape: \(reason)"
        case .invalidConfig: return "\(input) is invalid: \(reason)"
        case .invalidAudio: return "cannot transcribe \(input): \(reason)"
        }
    }
}
