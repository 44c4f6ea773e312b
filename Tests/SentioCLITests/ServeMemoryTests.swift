import Foundation
import Testing
import Transport

/// Three streams in one `sentio serve` process over 10 minutes of media each: the daemon's
/// resident memory stays flat and every utterance is published.
///
/// The media (a 10 min 64×48 5 fps clip with a 16 kHz tone, and a sidecar SRT of one utterance
/// every 4 s) is generated with ffmpeg's lavfi sources at test time. Each stream is pushed live
/// over UDP by its own ffmpeg at `-readrate 12` (12× real time: 10 min in 50 s) so the live
/// path — played clock, scoring queue, drop policy — is what runs.
extension ServeTests {
    static let memoryMediaSeconds = 600
    static let memoryReadRate = 12.0
    static let memoryUtteranceEvery = 4

    /// VmRSS of a process in KiB, from /proc.
    static func residentKiB(_ pid: Int32) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            return line.split(separator: " ").dropFirst().first.flatMap { Int($0) }
        }
        return nil
    }

    static func memoryMedia(in folder: URL) throws -> (clip: String, srt: String, cues: Int) {
        let clip = folder.appendingPathComponent("ten-minutes.ts").path
        let seconds = memoryMediaSeconds
        try Tool.run(["ffmpeg", "-v", "error", "-nostdin", "-y",
                      "-f", "lavfi", "-i", "testsrc=size=64x48:rate=5:duration=\(seconds)",
                      "-f", "lavfi", "-i", "sine=frequency=220:sample_rate=16000:duration=\(seconds)",
                      "-c:v", "mpeg2video", "-q:v", "10", "-g", "10", "-c:a", "mp2", "-b:a", "64k",
                      "-f", "mpegts", clip])
        var srt = ""
        var count = 0
        func stamp(_ t: Int) -> String { String(format: "%02d:%02d:%02d,000", t / 3600, t / 60 % 60, t % 60) }
        for start in stride(from: 2, to: seconds - 3, by: memoryUtteranceEvery) {
            count += 1
            srt += "\(count)\n\(stamp(start)) --> \(stamp(start + 2))\n"
            srt += (count % 2 == 0 ? "i really loved this part number \(count)" : "this part \(count) was terrible and boring") + "\n\n"
        }
        let path = folder.appendingPathComponent("ten-minutes.srt").path
        try srt.write(toFile: path, atomically: true, encoding: .utf8)
        return (clip, path, count)
    }

    @Test("Three streams in one process, 10 minutes of media each: RSS flat (last half grows < 24 MiB over the first), every utterance published in order")
    func threeStreamsMemory() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sentio-serve-\(getpid())-7")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let (clip, srt, cues) = try Self.memoryMedia(in: folder)
        let names = ["one", "two", "three"]
        let udps = names.map { _ in "udp://127.0.0.1:\(Self.freePort())" }
        let endpoint = "tcp://127.0.0.1:\(Self.freePort())"
        var config = "publish = \"\(endpoint)\"\nheartbeat = 1\n"
        for (name, udp) in zip(names, udps) {
            config += "\n[[streams]]\nstream = \"\(name)\"\ninput = \"\(udp)\"\ntimeout = 5\n[streams.transcript]\nsource = \"file\"\npath = \"\(srt)\"\n"
        }
        let configPath = folder.appendingPathComponent("three.toml").path
        try config.write(toFile: configPath, atomically: true, encoding: .utf8)

        let subscriber = try Subscriber(endpoint, topics: ["sentio."])
        defer { subscriber.close() }
        let log = folder.appendingPathComponent("serve.log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        let daemon = try ServeTests.launch(serve: ["--config", configPath], stderr: try FileHandle(forWritingTo: log))
        defer { if daemon.isRunning { kill(daemon.processIdentifier, SIGKILL) } }
        // Up to 60 s: start-up (three decoders, the text and sentiment models) took over 30 s once
        // on this 2-core machine under four parallel builds; the wait ends as soon as all three beat.
        let (_, up, _) = try await Self.collect(subscriber, seconds: 60) { _, s in Set(s.map(\.stream.value)).count == 3 }
        #expect(Set(up.map(\.stream.value)).count == 3, "all three streams heartbeat")

        let senders = try udps.map { udp in
            try Tool.start(["ffmpeg", "-v", "error", "-nostdin", "-readrate", "\(Self.memoryReadRate)", "-i", clip,
                            "-map", "0:v", "-map", "0:a", "-c", "copy", "-f", "mpegts", udp])
        }
        defer { senders.forEach(Tool.stop) }
        let clock = ContinuousClock()
        let started = clock.now
        var samples: [(seconds: Double, kib: Int)] = []
        var utterances: [UtteranceMessage] = []
        var statuses: [StatusMessage] = []
        let deadline = Double(Self.memoryMediaSeconds) / Self.memoryReadRate + 30
        var nextSample = 0.0
        while utterances.count < 3 * cues {
            let elapsed = Double((clock.now - started).components.seconds) + Double((clock.now - started).components.attoseconds) * 1e-18
            guard elapsed < deadline else { break }
            if elapsed >= nextSample, let kib = Self.residentKiB(daemon.processIdentifier) {
                samples.append((elapsed, kib))
                nextSample = elapsed + 1
            }
            guard let message = try? await subscriber.receive(timeout: .milliseconds(100)) else { continue }
            switch try Schema.decode(message.payload) {
            case .utterance(let u): utterances.append(u)
            case .status(let s): statuses.append(s)
            }
        }
        kill(daemon.processIdentifier, SIGTERM)
        daemon.waitUntilExit()
        let daemonLog = (try? String(contentsOf: log, encoding: .utf8)) ?? ""

        let byStream = Dictionary(grouping: utterances, by: { $0.stream.value })
        for name in names {
            let seqs = byStream[name]?.map(\.seq) ?? []
            #expect(seqs == Array(1...UInt64(cues)), "\(name): \(seqs.count) of \(cues) utterances; daemon said: \(daemonLog.suffix(2000))")
        }
        #expect(statuses.allSatisfy { $0.counters.dropped == 0 }, "nothing dropped")
        // Memory: the first half of the run (after start-up) against the second.
        let half = (samples.last?.seconds ?? 0) / 2
        let first = samples.filter { $0.seconds < half }.map(\.kib)
        let second = samples.filter { $0.seconds >= half }.map(\.kib)
        let growth = (second.max() ?? 0) - (first.max() ?? 0)
        let curve = samples.map { "\(Int($0.seconds)):\($0.kib / 1024)" }.joined(separator: " ")
        print("three streams: RSS MiB by second: \(curve); last-half growth \(growth) KiB")
        #expect(samples.count >= 10)
        #expect(growth < 24 * 1024, "RSS grew \(growth) KiB in the second half: \(curve)")
        #expect(daemon.terminationStatus == 0)
    }
}
