import Foundation
import Testing
@testable import Text

@Suite("WordPiece tokenizer")
struct TokenizerTests {
    @Test("WordPiece ids match Hugging Face on all MOSEI transcripts",
          .enabled(if: Paths.haveModel && Paths.haveMOSEI, "needs scripts/setup's model and ../shared/data/mosei/label.csv"))
    func mosei() throws {
        let tok = try #require(Shared.tokenizer)
        let csv = parseCSV(try String(contentsOf: Paths.moseiLabels, encoding: .utf8))
        let header = try #require(csv.first)
        let textColumn = try #require(header.firstIndex(of: "text"))
        let rows = csv.dropFirst().map { $0[textColumn] }
        let expected = try String(contentsOf: Paths.fixtures.appendingPathComponent("mosei_ids.txt"), encoding: .utf8)
            .split(separator: "\n").map { $0.split(separator: " ") }
        #expect(rows.count == 22_788)
        #expect(rows.count == expected.count)
        var mismatches: [Int] = []
        for (i, text) in rows.enumerated() where i < expected.count {
            let ids = tok.encode(text).ids
            if String(ids.count) != expected[i][0] || String(format: "%016lx", fnv1a64(ids)) != expected[i][1] {
                mismatches.append(i)
            }
        }
        #expect(mismatches.isEmpty, "rows differing from Hugging Face: \(mismatches.prefix(20)) (\(mismatches.count) of \(rows.count))")
        // Full ids of every 40th row, so a failure shows what differs.
        let sample = try String(contentsOf: Paths.fixtures.appendingPathComponent("mosei_sample_ids.txt"), encoding: .utf8)
            .split(separator: "\n").map { $0.split(separator: " ").compactMap { Int($0) } }
        #expect(sample.count > 500)
        for line in sample {
            #expect(tok.encode(rows[line[0]]).ids == Array(line.dropFirst()), "row \(line[0]): \(rows[line[0]])")
        }
    }

    @Test("WordPiece ids match Hugging Face on adversarial strings",
          .enabled(if: Paths.haveModel, "needs scripts/setup's all-MiniLM-L6-v2 model"))
    func adversarial() throws {
        let tok = try #require(Shared.tokenizer)
        struct Case: Decodable { let text: String; let ids: [Int] }
        let lines = try String(contentsOf: Paths.fixtures.appendingPathComponent("adversarial.jsonl"), encoding: .utf8)
            .split(separator: "\n")
        let cases = try lines.map { try JSONDecoder().decode(Case.self, from: Data($0.utf8)) }
        #expect(cases.count >= 300)
        var failures = 0
        for c in cases {
            let ids = tok.encode(c.text).ids
            if ids != c.ids {
                failures += 1
                Issue.record("\(c.text.unicodeScalars.map { String($0.value, radix: 16) }): got \(ids), want \(c.ids)")
            }
        }
        #expect(failures == 0)
    }
}
