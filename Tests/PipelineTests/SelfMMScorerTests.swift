import Foundation
import Testing
import Model
import Tensor
@testable import Pipeline

@Suite("SelfMMScorer with a seed ensemble")
struct SelfMMScorerTests {
    @Test("an ensemble checkpoint scores an utterance with the mean of its members' M and A outputs (clipped to ±3)")
    func ensembleScore() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sentio-scorer-ensemble-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        // Audio only: no text encoder is needed to load it.
        var cfg = ModelConfig()
        cfg.network.modalities = [.audio]
        cfg.network.audioIn = 74
        let members = [SelfMM(config: cfg.network, seed: 21), SelfMM(config: cfg.network, seed: 22)]
        var manifest = Manifest(config: cfg)
        manifest.ensemble = [21, 22]
        try Checkpoint.save(SelfMMEnsemble(members), manifest: manifest, to: dir)
        let scorer = try SelfMMScorer(checkpoint: dir, textEncoderDirectory: dir)

        var rng = SeededRNG(seed: 3)
        let frames = (0..<40).map { _ in Tensor.randomNormal([74], using: &rng).data }
        let score = try scorer.score(UtteranceInput(window: UtteranceWindow(start: 0, end: 0.4, text: nil, source: .caption), acoustic: frames, visual: []))
        let (audio, lengths) = SelfMMScorer.sequence(frames, width: 74)
        var r = SeededRNG(seed: 0)
        let outs = members.map { $0(ModelInput(audio: audio, audioLengths: lengths), tape: nil, training: false, rng: &r) }
        let m = (outs[0].m.value.data[0] + outs[1].m.value.data[0]) / 2
        let a = (outs[0].heads[.audio]!.value.data[0] + outs[1].heads[.audio]!.value.data[0]) / 2
        #expect(abs(outs[0].m.value.data[0] - outs[1].m.value.data[0]) > 1e-4, "the members differ")
        #expect(abs(try #require(score.sentiment) - min(3, max(-3, m))) < 1e-6)
        #expect(abs(try #require(score.audio) - min(3, max(-3, a))) < 1e-6)
        #expect(score.text == nil && score.vision == nil)
    }
}
