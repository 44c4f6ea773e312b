import Foundation
import Testing
@testable import Acoustics

enum Paths {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let shared = repo.deletingLastPathComponent().appendingPathComponent("shared")
    static let mosiWav = shared.appendingPathComponent("data/media/mosi_03bSnISJMiM_1.wav")
    static let asteriskSounds = URL(fileURLWithPath: "/usr/share/asterisk/sounds/en")
    static let fixtures = Bundle.module.resourceURL!.appendingPathComponent("Fixtures")
    static var ffmpeg: String? {
        for p in ["/usr/bin/ffmpeg", "/usr/local/bin/ffmpeg"] where FileManager.default.isExecutableFile(atPath: p) { return p }
        return nil
    }
    static func exists(_ u: URL) -> Bool { FileManager.default.fileExists(atPath: u.path) }
}

/// Decodes any audio file to 16 kHz mono Float32 with the ffmpeg CLI.
func decode16k(_ url: URL) throws -> [Float] {
    guard let ff = Paths.ffmpeg else { throw AcousticsError(input: url.path, problem: "ffmpeg not found") }
    let p = Process()
    p.executableURL = URL(fileURLWithPath: ff)
    p.arguments = ["-nostdin", "-loglevel", "error", "-i", url.path, "-ac", "1", "-ar", "16000", "-f", "f32le", "-"]
    let pipe = Pipe()
    p.standardOutput = pipe
    try p.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    guard p.terminationStatus == 0 else { throw AcousticsError(input: url.path, problem: "ffmpeg failed") }
    return data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
}

/// A CSV with a header row, all numeric.
struct NumericCSV {
    var header: [String]
    var rows: [[Float]]
    init(_ url: URL) throws {
        let text = try String(contentsOf: url, encoding: .utf8)
        let lines = text.split(separator: "\n").map(String.init)
        header = lines[0].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        rows = lines.dropFirst().map { $0.split(separator: ",").map { Float($0.trimmingCharacters(in: .whitespaces)) ?? .nan } }
    }
    func column(_ name: String) -> [Float]? {
        guard let i = header.firstIndex(of: name) else { return nil }
        return rows.map { $0[i] }
    }
}

enum Stats {
    static func correlation(_ a: [Float], _ b: [Float]) -> Float {
        let n = Float(a.count)
        guard a.count > 1 else { return .nan }
        let ma = a.reduce(0, +) / n, mb = b.reduce(0, +) / n
        var sab: Float = 0, saa: Float = 0, sbb: Float = 0
        for i in 0..<a.count { let x = a[i] - ma, y = b[i] - mb; sab += x * y; saa += x * x; sbb += y * y }
        return sab / (saa * sbb).squareRoot()
    }
    static func mae(_ a: [Float], _ b: [Float]) -> Float {
        guard !a.isEmpty else { return .nan }
        var s: Float = 0
        for i in 0..<a.count { s += abs(a[i] - b[i]) }
        return s / Float(a.count)
    }
    static func median(_ x: [Float]) -> Float {
        let s = x.sorted(); let n = s.count
        if n == 0 { return .nan }
        return n % 2 == 1 ? s[n / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2])
    }
}
