// BERT-uncased tokenization, equal to Hugging Face `tokenizers` (BertNormalizer,
// BertPreTokenizer, WordPiece, [CLS] … [SEP] template). Works on Unicode scalars, as the
// reference works on Rust chars; vocabulary keys are UTF-8 bytes, so lookups are exact
// (no canonical equivalence, unlike Swift String comparison).
import Foundation

/// Token ids for one text, with what truncation did.
public struct Encoding: Sendable, Equatable {
    /// [CLS] pieces… [SEP], then padding ids when padded.
    public var ids: [Int]
    /// 1 for real tokens (specials included), 0 for padding.
    public var attentionMask: [Int]
    /// Number of ids before truncation (specials included).
    public var untruncatedCount: Int
    /// True when pieces were dropped to fit the maximum length.
    public var truncated: Bool { untruncatedCount > attentionMask.reduce(0, +) }
}

public struct WordPieceTokenizer: Sendable {
    public let vocabulary: [String]
    private let index: [[UInt8]: Int]
    public let lowercase: Bool
    public let stripAccents: Bool
    public let maxInputCharsPerWord: Int
    public let clsID: Int, sepID: Int, padID: Int, unkID: Int

    /// A tokenizer over `vocabulary` (token i has id i).
    public init(vocabulary: [String], lowercase: Bool = true, stripAccents: Bool? = nil,
                maxInputCharsPerWord: Int = 100, source: String = "<vocabulary>") throws {
        guard !vocabulary.isEmpty else { throw TextError.emptyVocabulary(file: source) }
        var index: [[UInt8]: Int] = [:]
        index.reserveCapacity(vocabulary.count)
        for (i, t) in vocabulary.enumerated() where index[Array(t.utf8)] == nil { index[Array(t.utf8)] = i }
        func special(_ t: String) throws -> Int {
            guard let id = index[Array(t.utf8)] else { throw TextError.missingSpecialToken(token: t, file: source) }
            return id
        }
        self.vocabulary = vocabulary
        self.index = index
        self.lowercase = lowercase
        self.stripAccents = stripAccents ?? lowercase
        self.maxInputCharsPerWord = maxInputCharsPerWord
        clsID = try special("[CLS]"); sepID = try special("[SEP]")
        padID = try special("[PAD]"); unkID = try special("[UNK]")
    }

    /// Loads `vocab.txt` (one token per line).
    public init(vocabularyFile url: URL, lowercase: Bool = true) throws {
        let text: String
        do { text = try String(contentsOf: url, encoding: .utf8) } catch {
            throw TextError.unreadable(file: url.path, reason: error.localizedDescription)
        }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            line.hasSuffix("\r") ? String(line.dropLast()) : String(line)
        }
        if lines.last == "" { lines.removeLast() }
        try self.init(vocabulary: lines, lowercase: lowercase, source: url.path)
    }

    public func id(of token: String) -> Int? { index[Array(token.utf8)] }

    // MARK: normalisation and pre-tokenisation

    static func isOther(_ c: Unicode.Scalar) -> Bool {
        switch c.properties.generalCategory {
        case .control, .format, .surrogate, .privateUse, .unassigned: return true
        default: return false
        }
    }

    static func isPunctuation(_ c: Unicode.Scalar) -> Bool {
        if c.isASCII, (0x21...0x2F).contains(c.value) || (0x3A...0x40).contains(c.value)
            || (0x5B...0x60).contains(c.value) || (0x7B...0x7E).contains(c.value) { return true }
        switch c.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation: return true
        default: return false
        }
    }

    static func isChinese(_ c: Unicode.Scalar) -> Bool {
        switch c.value {
        case 0x4E00...0x9FFF, 0x3400...0x4DBF, 0x20000...0x2A6DF, 0x2A700...0x2B73F,
             0x2B740...0x2B81F, 0x2B920...0x2CEAF, 0xF900...0xFAFF, 0x2F800...0x2FA1F: return true
        default: return false
        }
    }

    /// BertNormalizer: clean, space out CJK ideographs, strip accents (NFD, drop Mn), lowercase.
    func normalize(_ text: String) -> [Unicode.Scalar] {
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(text.unicodeScalars.count)
        for c in text.unicodeScalars {
            if c.value == 0 || c.value == 0xFFFD { continue }
            let ws = c == "\t" || c == "\n" || c == "\r" || c.properties.isWhitespace
            if !ws && Self.isOther(c) { continue }
            if ws { out.append(" "); continue }
            if Self.isChinese(c) { out.append(" "); out.append(c); out.append(" ") } else { out.append(c) }
        }
        if stripAccents {
            var s = String.UnicodeScalarView()
            s.append(contentsOf: out)
            let nfd = String(s).decomposedStringWithCanonicalMapping
            out = nfd.unicodeScalars.filter { $0.properties.generalCategory != .nonspacingMark }
        }
        if lowercase {
            var lowered: [Unicode.Scalar] = []
            lowered.reserveCapacity(out.count)
            for c in out {
                if c.isASCII {
                    lowered.append((0x41...0x5A).contains(c.value) ? Unicode.Scalar(c.value + 32)! : c)
                } else {
                    lowered.append(contentsOf: c.properties.lowercaseMapping.unicodeScalars)
                }
            }
            out = lowered
        }
        return out
    }

    /// BertPreTokenizer: split on whitespace (dropped) and punctuation (kept alone).
    func preTokenize(_ s: [Unicode.Scalar]) -> [ArraySlice<Unicode.Scalar>] {
        var words: [ArraySlice<Unicode.Scalar>] = []
        var start = 0
        for (i, c) in s.enumerated() {
            if c.properties.isWhitespace {
                if start < i { words.append(s[start..<i]) }
                start = i + 1
            } else if Self.isPunctuation(c) {
                if start < i { words.append(s[start..<i]) }
                words.append(s[i...i])
                start = i + 1
            }
        }
        if start < s.count { words.append(s[start...]) }
        return words
    }

    /// Greedy longest-match-first WordPiece on one word; [UNK] when any part is missing or the
    /// word has more than `maxInputCharsPerWord` scalars.
    func wordPiece(_ word: ArraySlice<Unicode.Scalar>, into ids: inout [Int]) {
        if word.count > maxInputCharsPerWord { ids.append(unkID); return }
        var offsets: [Int] = [0]
        var bytes: [UInt8] = []
        for c in word {
            UTF8.encode(c) { bytes.append($0) }
            offsets.append(bytes.count)
        }
        let n = word.count
        var start = 0
        var pieces: [Int] = []
        var key: [UInt8] = []
        while start < n {
            var end = n
            var found: Int? = nil
            while start < end {
                key.removeAll(keepingCapacity: true)
                if start > 0 { key.append(0x23); key.append(0x23) }
                key.append(contentsOf: bytes[offsets[start]..<offsets[end]])
                if let id = index[key] { found = id; break }
                end -= 1
            }
            guard let id = found else { ids.append(unkID); return }
            pieces.append(id)
            start = end
        }
        ids.append(contentsOf: pieces)
    }

    /// Word-piece ids of `text`, without special tokens.
    public func pieceIDs(_ text: String) -> [Int] {
        var ids: [Int] = []
        for w in preTokenize(normalize(text)) { wordPiece(w, into: &ids) }
        return ids
    }

    /// Word-piece strings of `text` (for inspection).
    public func tokenize(_ text: String) -> [String] { pieceIDs(text).map { vocabulary[$0] } }

    /// [CLS] pieces [SEP], keeping at most `maxLength` ids (pieces are cut from the end), then
    /// padded with [PAD] up to `padTo` if given.
    public func encode(_ text: String, maxLength: Int? = nil, padTo: Int? = nil) -> Encoding {
        let pieces = pieceIDs(text)
        let total = pieces.count + 2
        let keep = maxLength.map { max(0, min(pieces.count, $0 - 2)) } ?? pieces.count
        var ids = [clsID] + pieces.prefix(keep) + [sepID]
        var mask = [Int](repeating: 1, count: ids.count)
        if let padTo, padTo > ids.count {
            ids += [Int](repeating: padID, count: padTo - ids.count)
            mask += [Int](repeating: 0, count: padTo - mask.count)
        }
        return Encoding(ids: ids, attentionMask: mask, untruncatedCount: total)
    }

    /// Encodes `texts` and pads them to the longest (at most `maxLength`).
    public func encodeBatch(_ texts: [String], maxLength: Int) -> TokenBatch {
        let encs = texts.map { encode($0, maxLength: maxLength) }
        let L = encs.map(\.ids.count).max() ?? 2
        var ids: [Int] = [], mask: [Float] = []
        for e in encs {
            ids += e.ids + [Int](repeating: padID, count: L - e.ids.count)
            mask += e.attentionMask.map(Float.init) + [Float](repeating: 0, count: L - e.ids.count)
        }
        return TokenBatch(ids: ids, mask: mask, batch: texts.count, length: L,
                          truncated: encs.map(\.truncated), untruncatedCounts: encs.map(\.untruncatedCount))
    }
}

/// A padded batch of token ids, row-major [batch, length].
public struct TokenBatch: Sendable, Equatable {
    public var ids: [Int]
    public var mask: [Float]
    public var batch: Int
    public var length: Int
    public var truncated: [Bool]
    public var untruncatedCounts: [Int]

    public init(ids: [Int], mask: [Float], batch: Int, length: Int, truncated: [Bool]? = nil, untruncatedCounts: [Int]? = nil) {
        precondition(ids.count == batch * length && mask.count == ids.count, "token batch sizes")
        self.ids = ids; self.mask = mask; self.batch = batch; self.length = length
        self.truncated = truncated ?? [Bool](repeating: false, count: batch)
        self.untruncatedCounts = untruncatedCounts ?? (0..<batch).map { b in Int(mask[(b * length)..<((b + 1) * length)].reduce(0, +)) }
    }
}
