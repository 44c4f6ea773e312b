import Foundation
import Testing
import Transport

/// The built binary running in the background, its output collected when it exits.
final class BackgroundCLI {
    let process = Process()
    private let out = Pipe(), err = Pipe()

    init(_ arguments: [String]) throws {
        process.executableURL = CLI.binary
        process.arguments = arguments
        process.standardOutput = out
        process.standardError = err
        try process.run()
    }

    /// Waits (without blocking a thread) up to `timeout` for the process to exit; kills it otherwise.
    func finish(timeout: Duration = .seconds(10)) async throws -> CLI.Result {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        while process.isRunning && clock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        if process.isRunning {
            process.terminate()
            Issue.record("sentio \(process.arguments ?? []) did not exit within \(timeout)")
        }
        process.waitUntilExit()
        return CLI.Result(status: process.terminationStatus,
                          stdout: String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self),
                          stderr: String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))
    }
}

@Suite("sentio subscribe")
struct SubscribeTests {
    static func utterance(_ stream: String, seq: UInt64) throws -> UtteranceMessage {
        UtteranceMessage(stream: try StreamName(stream), seq: seq, start: Double(seq), end: Double(seq) + 1, text: "words \(seq)",
                         sentiment: -1.25, modalities: Modalities(text: .init(present: true, score: -1), audio: .absent,
                                                                  vision: .init(present: true, score: 0.5)),
                         model: "test", time: 1_795_000_000, latencyMs: 3)
    }

    @Test("Published seq 1, 2, 4: three JSON lines on stdout, and the gap at seq 3 on stderr and in the summary")
    func gapDetection() async throws {
        let publisher = try Publisher(bind: "tcp://127.0.0.1:*")
        defer { publisher.close() }
        let cli = try BackgroundCLI(["subscribe", publisher.endpoint, "--topic", "sentio.cam1.", "--count", "3"])
        #expect(try await publisher.waitForSubscriber(for: "sentio.cam1.utterance", timeout: .seconds(10)))
        for seq: UInt64 in [1, 2, 4] { try publisher.publish(try Self.utterance("cam1", seq: seq)) }
        let result = try await cli.finish()
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.count == 3)
        let seqs = try lines.map { line -> UInt64 in
            guard case .utterance(let m) = try Schema.decode(Data(line.utf8)) else { return 0 }
            return m.seq
        }
        #expect(seqs == [1, 2, 4])
        #expect(result.stderr.contains("gap: sentio.cam1.utterance missing seq 3 (1 message)"), "\(result.stderr)")
        #expect(result.stderr.contains("3 messages on 1 topic, 1 gap (1 missing), 0 invalid"), "\(result.stderr)")
        #expect(result.stderr.contains("sentio.cam1.utterance: 3 received, seq 1…4, 1 gaps, 1 missing"), "\(result.stderr)")
    }

    @Test("The table shows cam1's rows only, and SIGTERM ends the command with exit 0 and a summary")
    func tableAndSignal() async throws {
        let publisher = try Publisher(bind: "tcp://127.0.0.1:*")
        defer { publisher.close() }
        let cli = try BackgroundCLI(["subscribe", publisher.endpoint, "--topic", "sentio.cam1.", "--format", "table"])
        #expect(try await publisher.waitForSubscriber(for: "sentio.cam1.status", timeout: .seconds(10)))
        try publisher.publish(try Self.utterance("cam10", seq: 1))
        try publisher.publish(try Self.utterance("cam1", seq: 7))
        try publisher.publish(StatusMessage(stream: try StreamName("cam1"), seq: 1, time: 1_795_000_000, state: .reconnecting,
                                            uptime: 12, counters: .init(utterances: 7, dropped: 1, reconnects: 2, rejected: 0)))
        try await Task.sleep(for: .milliseconds(500))
        cli.process.terminate()  // SIGTERM
        let result = try await cli.finish()
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 3, "\(result.stdout)")
        #expect(lines.first?.hasPrefix("TIME") == true)
        #expect(lines.dropFirst().first?.contains("cam1       7      7.00     8.00     -1.25 negative -1.00 -     +0.50 words 7") == true,
                "\(result.stdout)")
        #expect(lines.last?.contains("status reconnecting: utterances 7, dropped 1, unscored 0, reconnects 2, rejected 0, up 12 s") == true)
        #expect(!result.stdout.contains("cam10"))
        #expect(result.stderr.contains("stopped on SIGTERM"), "\(result.stderr)")
    }

    @Test("A payload that is not sentio.v1 is reported and counted, not printed")
    func invalidPayload() async throws {
        let publisher = try Publisher(bind: "tcp://127.0.0.1:*")
        defer { publisher.close() }
        let cli = try BackgroundCLI(["subscribe", publisher.endpoint, "--count", "2"])
        #expect(try await publisher.waitForSubscriber(timeout: .seconds(10)))
        try publisher.send(topic: "sentio.cam1.utterance", payload: Array(#"{"schema":"other"}"#.utf8))
        try publisher.publish(try Self.utterance("cam1", seq: 1))
        let result = try await cli.finish()
        #expect(result.status == 0)
        #expect(result.stdout.split(separator: "\n").count == 1)
        #expect(result.stderr.contains(#"sentio.cam1.utterance: not a sentio.v1 message: schema is "other", expected "sentio.v1""#))
        #expect(result.stderr.contains("1 invalid"))
    }
}
