import Foundation
import Testing
import Tensor
@testable import Text

@Suite("BERT encoder parity with transformers")
struct EncoderTests {
    static let encoder: BertEncoder? = try? BertEncoder(directory: Paths.model)

    struct Sentences: Decodable { let sentences: [String]; let small: [String]; let max_length: Int }

    func reference() throws -> (SafetensorsFile, Sentences) {
        let st = try SafetensorsFile(contentsOf: Paths.fixtures.appendingPathComponent("encoder_reference.safetensors"))
        let s = try JSONDecoder().decode(Sentences.self, from: Data(contentsOf: Paths.fixtures.appendingPathComponent("encoder_sentences.json")))
        return (st, s)
    }

    @Test("Pooled [CLS] and mean outputs of 36 sentences are within 1e-4 of transformers",
          .enabled(if: Paths.haveModel, "needs scripts/setup's all-MiniLM-L6-v2 model"))
    func pooled() throws {
        let tok = try #require(Shared.tokenizer)
        let enc = try #require(Self.encoder)
        let (st, s) = try reference()
        let batch = tok.encodeBatch(s.sentences, maxLength: s.max_length)
        let refIDs = try st.tensor("input_ids")
        #expect(batch.ids.map(Float.init) == refIDs.data, "token ids of the padded batch")
        #expect(batch.mask == (try st.tensor("attention_mask")).data)
        let hidden = try enc.hiddenStates(batch)
        let cls = BertEncoder.pool(Var(hidden), mask: batch.mask, .cls).value
        let mean = BertEncoder.pool(Var(hidden), mask: batch.mask, .mean).value
        let clsErr = cls.maxAbsDifference(try st.tensor("cls"))
        let meanErr = mean.maxAbsDifference(try st.tensor("mean"))
        print("encoder parity: [CLS] max abs error \(clsErr), mean max abs error \(meanErr)")
        #expect(clsErr <= 1e-4)
        #expect(meanErr <= 1e-4)
        #expect(try enc.embed(batch, pooling: .mean) == mean)
    }

    @Test("layer-mean pooling (token mean of the 6 layers' outputs averaged) of 36 sentences is within 1e-4 of transformers",
          .enabled(if: Paths.haveModel, "needs scripts/setup's all-MiniLM-L6-v2 model"))
    func layerMean() throws {
        let tok = try #require(Shared.tokenizer)
        let enc = try #require(Self.encoder)
        let (st, s) = try reference()
        let batch = tok.encodeBatch(s.sentences, maxLength: s.max_length)
        let pooled = try enc.embed(batch, pooling: .layerMean)
        let ref = try st.tensor("layer_mean")
        let err = pooled.maxAbsDifference(ref)
        print("encoder parity: layer-mean max abs error \(err)")
        #expect(pooled.shape == [s.sentences.count, 384])
        #expect(err <= 1e-4)
        // It is not the last layer's mean (which the fixture also holds): the lower layers count.
        #expect(pooled.maxAbsDifference(try st.tensor("mean")) > 0.05)
        #expect(Pooling(rawValue: "layer-mean") == .layerMean && Pooling.layerMean.averagesLayers && !Pooling.mean.averagesLayers)
    }

    @Test("Last hidden states of 4 sentences are within 1e-4 of transformers on real tokens",
          .enabled(if: Paths.haveModel, "needs scripts/setup's all-MiniLM-L6-v2 model"))
    func hidden() throws {
        let tok = try #require(Shared.tokenizer)
        let enc = try #require(Self.encoder)
        let (st, s) = try reference()
        let batch = tok.encodeBatch(s.small, maxLength: 512)
        #expect(batch.ids.map(Float.init) == (try st.tensor("small_input_ids")).data)
        let h = try enc.hiddenStates(batch)
        let ref = try st.tensor("small_hidden")
        #expect(h.shape == ref.shape)
        var err: Float = 0
        let H = h.shape[2]
        for i in 0..<(batch.batch * batch.length) where batch.mask[i] == 1 {
            for j in 0..<H { err = max(err, abs(h.data[i * H + j] - ref.data[i * H + j])) }
        }
        print("encoder parity: hidden states max abs error \(err)")
        #expect(err <= 1e-4)
    }
}
