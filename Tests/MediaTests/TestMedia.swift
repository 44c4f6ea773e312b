import Foundation
import Testing

/// Media made at test time with the real ffmpeg CLI and espeak-ng, plus the real clips in shared/.
enum TestMedia {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let shared = repo.deletingLastPathComponent().appendingPathComponent("shared")
    static let mosiWAV = shared.appendingPathComponent("data/media/mosi_03bSnISJMiM_1.wav").path
    static let mosiMP4 = shared.appendingPathComponent("data/media/mosi_Oz06ZWiO20M_6.mp4").path
    static var hasSharedClips: Bool { FileManager.default.fileExists(atPath: mosiMP4) }

    /// The captions of the generated clip (start, end, text); the speech says them.
    static let cues: [(Double, Double, String)] = [
        (0.20, 1.60, "I really loved this film."),
        (1.90, 3.40, "The ending was terrible."),
    ]
    static let duration = 4.0
    static let fps = 25.0
    static let size = (320, 240)

    /// A scratch folder for this test process, with the generated media in it.
    static let folder: URL = {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("sentio-media-tests-\(getpid())")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }()

    static func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

    /// Generated files, made once per process on first use.
    static let generated: Result<Void, Error> = Result { try generate() }

    static func ready() throws { try generated.get() }

    private static func generate() throws {
        // Speech: one espeak-ng utterance per cue, placed at its cue time.
        var srt = ""
        var inputs: [String] = []
        var filters: [String] = []
        for (index, cue) in cues.enumerated() {
            let wav = path("cue\(index).wav")
            try run("espeak-ng", ["-v", "en-us", "-s", "170", "-w", wav, cue.2])
            inputs += ["-i", wav]
            filters.append("[\(index)]adelay=\(Int(cue.0 * 1000))|\(Int(cue.0 * 1000))[a\(index)]")
            srt += "\(index + 1)\n\(srtTime(cue.0)) --> \(srtTime(cue.1))\n\(cue.2)\n\n"
        }
        try srt.write(toFile: path("captions.srt"), atomically: true, encoding: .utf8)
        let mix = filters.joined(separator: ";") + ";"
            + (0..<cues.count).map { "[a\($0)]" }.joined() + "amix=inputs=\(cues.count):normalize=0,apad,atrim=0:\(duration)[a]"
        try run("ffmpeg", ["-y"] + inputs + ["-filter_complex", mix, "-map", "[a]", "-ar", "22050", path("speech.wav")])

        let video = ["-f", "lavfi", "-i", "testsrc2=size=\(size.0)x\(size.1):rate=\(Int(fps)):duration=\(duration)"]
        // MP4 with H.264, AAC and a mov_text caption track (moov first, as streamed files are).
        try run("ffmpeg", ["-y"] + video + ["-i", path("speech.wav"), "-i", path("captions.srt"),
                                             "-map", "0:v", "-map", "1:a", "-map", "2:s",
                                             "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p",
                                             "-c:a", "aac", "-c:s", "mov_text", "-movflags", "+faststart",
                                             "-metadata:s:s:0", "language=eng", path("clip.mp4")])
        // MKV encoded from the same sources (FLAC audio, so no encoder priming shifts the
        // timeline), with the captions as subrip, ass and webvtt tracks.
        try run("ffmpeg", ["-y"] + video + ["-i", path("speech.wav"), "-i", path("captions.srt"),
                                             "-i", path("captions.srt"), "-i", path("captions.srt"),
                                             "-map", "0:v", "-map", "1:a", "-map", "2", "-map", "3", "-map", "4",
                                             "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p",
                                             "-c:a", "flac", "-c:s:0", "srt", "-c:s:1", "ass", "-c:s:2", "webvtt",
                                             path("clip.mkv")])
        // One stream only.
        try run("ffmpeg", ["-y", "-i", path("clip.mp4"), "-map", "0:v", "-c", "copy", path("video-only.mp4")])
        try run("ffmpeg", ["-y", "-i", path("clip.mp4"), "-map", "0:a", "-c", "copy", path("audio-only.m4a")])
        // Not media at all.
        try "this is a plain text file, not media\n".write(toFile: path("notes.mp4"), atomically: true, encoding: .utf8)
        // Cut in the middle: keeps the index (faststart), loses half the samples.
        let whole = try Data(contentsOf: URL(fileURLWithPath: path("clip.mp4")))
        try whole.prefix(whole.count / 2).write(to: URL(fileURLWithPath: path("truncated.mp4")))
        // A WAV whose format tag names a codec no decoder exists for (0x1234).
        var wav = try Data(contentsOf: URL(fileURLWithPath: path("speech.wav")))
        if let fmt = wav.range(of: Data("fmt ".utf8)) {
            wav[fmt.upperBound + 4] = 0x34
            wav[fmt.upperBound + 5] = 0x12
        }
        try wav.write(to: URL(fileURLWithPath: path("unknown-codec.wav")))
    }

    static func srtTime(_ seconds: Double) -> String {
        let ms = Int((seconds * 1000).rounded())
        return String(format: "%02d:%02d:%02d,%03d", ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, ms % 1000)
    }

    /// Runs a tool to completion; throws with its stderr when it fails.
    @discardableResult
    static func run(_ tool: String, _ arguments: [String]) throws -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [tool] + (tool == "ffmpeg" ? ["-hide_banner", "-loglevel", "error", "-nostdin"] : []) + arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let errors = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw ToolError(tool: tool, status: process.terminationStatus, stderr: String(decoding: errors, as: UTF8.self))
        }
        return data
    }

    /// Starts a tool in the background (a live sender); the caller terminates it.
    static func start(_ tool: String, _ arguments: [String]) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [tool] + (tool == "ffmpeg" ? ["-hide_banner", "-loglevel", "error", "-nostdin"] : []) + arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// ffmpeg CLI's own decode of an input to 16 kHz mono Float32: the reference.
    static func ffmpegAudio(_ input: String) throws -> [Float] {
        let data = try run("ffmpeg", ["-i", input, "-vn", "-ac", "1", "-ar", "16000", "-f", "f32le", "-"])
        return data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
    }

    /// A port on loopback that the kernel says is free right now.
    static func freePort(udp: Bool = false) -> Int {
        let fd = socket(AF_INET, Int32(udp ? SOCK_DGRAM.rawValue : SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    struct ToolError: Error, CustomStringConvertible {
        var tool: String
        var status: Int32
        var stderr: String
        var description: String { "\(tool) exited with \(status): \(stderr)" }
    }
}
