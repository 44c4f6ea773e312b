import Foundation
import Media
@testable import Pipeline
@testable import sentio
import Testing
import Transport

/// The daemon's side of the drop policy: an utterance the analysis dropped (the model fell
/// behind a live input) is counted in the status topic, apart from windows nothing could score.
@Suite("sentio serve: counting drops")
struct StreamServiceTests {
    struct NoScorer: UtteranceScoring {
        var modelID: String { "none" }
        var usesAcoustic: Bool { false }
        var usesVisual: Bool { false }
        func score(_ input: UtteranceInput) throws -> UtteranceScore { UtteranceScore(sentiment: nil) }
    }

    @Test("Two drops and one unscored window: the status says dropped 2, unscored 1, utterances 0")
    func counters() async throws {
        let endpoint = "tcp://127.0.0.1:\(ServeTests.freePort())"
        let publisher = try Publisher(bind: endpoint)
        defer { publisher.close() }
        let subscriber = try Subscriber(endpoint, topics: ["sentio.cam9.status"])
        defer { subscriber.close() }
        #expect(try await publisher.waitForSubscriber(timeout: .seconds(10)))
        let analyzer = StreamAnalyzer(settings: .init(windows: .voiceActivity), scorer: NoScorer(), faceAnalyzer: nil)
        let service = StreamService(configuration: .init(name: "cam9", input: "udp://127.0.0.1:1"),
                                    channel: StreamChannel(publisher: publisher, stream: try StreamName("cam9")),
                                    analyzer: analyzer)
        let window = UtteranceWindow(start: 1, end: 2, text: "late", source: .transcript)
        service.dropped(window)
        service.dropped(window)
        service.publish(UtteranceResult(seq: 1, window: window, score: UtteranceScore(sentiment: nil), modelID: "none",
                                        acousticFrames: 0, visualFrames: 0, latencyMilliseconds: 0))
        service.heartbeat()
        let message = try await subscriber.receive(timeout: .seconds(5))
        guard let message, case .status(let status) = try Schema.decode(message.payload) else {
            Issue.record("expected a status message")
            return
        }
        #expect(status.counters == StatusMessage.Counters(utterances: 0, dropped: 2, unscored: 1, reconnects: 0, rejected: 0))
    }
}
