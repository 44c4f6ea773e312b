// Word times by cross-attention alignment, as faster-whisper's find_alignment /
// add_word_timestamps with CTranslate2's `align`: teacher-force
// [<|startoftranscript|>, <|notimestamps|>, text…, <|endoftext|>] through the decoder, take
// the alignment heads' cross-attention over the window's content frames (softmax), normalise
// each frame over the tokens, median-filter (width 7) along time, average the heads, and
// follow the DTW path; a word starts at the frame where its first token's row begins.
import Foundation

struct AlignedWord {
    var word: String
    var tokens: [Int]
    var start: Double
    var end: Double
    var probability: Float
}

extension SpeechRecognizer {
    static let prependPunctuations = Array("\"'“¿([{-")
    static let appendPunctuations = Array("\"'.。,，!！?？:：”)]}、")

    /// Words of `textTokens` (no special tokens) with times in seconds from the window start.
    func align(_ textTokens: [Int], encoderOutput: [Float], contentFrames: Int) -> [AlignedWord] {
        if textTokens.isEmpty { return [] }
        let t = model.tokenizer
        let heads = model.config.alignmentHeads
        let frames = min(contentFrames / 2, model.encoderFrames)
        if heads.isEmpty || frames < 1 { return [] }
        let input = [t.startOfTranscript, t.noTimestamps] + textTokens + [t.endOfText]
        let rows = input.count, e = model.encoderFrames
        // weights[head][row][frame]
        var weights = [[Float]](repeating: [Float](repeating: 0, count: rows * frames), count: heads.count)
        let state = model.decoderState(encoderOutput: encoderOutput)
        let logits = model.decodeSequence(input, state: state) { layer, head, scores in
            for (k, pair) in heads.enumerated() where pair[0] == layer && pair[1] == head {
                for r in 0..<rows { for f in 0..<frames { weights[k][r * frames + f] = scores[r * e + f] } }
            }
        }
        // Probability of each text token among text tokens only (ids < <|endoftext|>), from the
        // logits at the position before it.
        let v = model.vocabularySize
        var probabilities: [Float] = []
        for position in 1...textTokens.count {
            let row = Array(logits[(position * v)..<(position * v + t.endOfText)])
            probabilities.append(expf(row[input[position + 1]] - Self.logSumExp(row, 0..<row.count)))
        }
        // Softmax over the content frames, then standardise each frame over the tokens.
        var averaged = [Float](repeating: 0, count: rows * frames)
        for k in 0..<heads.count {
            var w = weights[k]
            for r in 0..<rows {
                var m = -Float.infinity
                for f in 0..<frames { m = max(m, w[r * frames + f]) }
                var s: Float = 0
                for f in 0..<frames { let v = expf(w[r * frames + f] - m); w[r * frames + f] = v; s += v }
                for f in 0..<frames { w[r * frames + f] /= s }
            }
            for f in 0..<frames {
                var mean: Float = 0
                for r in 0..<rows { mean += w[r * frames + f] }
                mean /= Float(rows)
                var variance: Float = 0
                for r in 0..<rows { let d = w[r * frames + f] - mean; variance += d * d }
                let std = (variance / Float(rows)).squareRoot()
                for r in 0..<rows { w[r * frames + f] = (w[r * frames + f] - mean) / std }
            }
            let filtered = Self.medianFilter(w, rows: rows, columns: frames, width: 7)
            for i in 0..<averaged.count { averaged[i] += filtered[i] / Float(heads.count) }
        }
        // Rows of the tokens that predict text…<|endoftext|>: input positions 1…n+1.
        let n = textTokens.count
        let matrix = Array(averaged[(1 * frames)..<((n + 2) * frames)])
        let path = Self.negativeDTW(matrix, rows: n + 1, columns: frames)
        var jumpTimes: [Double] = []
        var previousRow = -1
        for (row, column) in path where row != previousRow {
            jumpTimes.append(Double(column) / 50)
            previousRow = row
        }
        let (words, wordTokens) = splitToWordTokens(textTokens + [t.endOfText])
        if wordTokens.count <= 1 { return [] }
        var boundaries = [0]
        for w in wordTokens.dropLast() { boundaries.append(boundaries.last! + w.count) }
        var out: [AlignedWord] = []
        for i in 0..<(boundaries.count - 1) {
            let a = boundaries[i], b = boundaries[i + 1]
            guard a < jumpTimes.count, b < jumpTimes.count else { break }
            let p = probabilities[a..<min(b, probabilities.count)]
            out.append(AlignedWord(word: words[i], tokens: wordTokens[i], start: jumpTimes[a], end: jumpTimes[b],
                                   probability: p.isEmpty ? 0 : p.reduce(0, +) / Float(p.count)))
        }
        return out
    }

    /// faster-whisper's split_tokens_on_spaces (over split_tokens_on_unicode).
    func splitToWordTokens(_ tokens: [Int]) -> ([String], [[Int]]) {
        let t = model.tokenizer
        let replacement: Unicode.Scalar = "\u{FFFD}"
        let full = Array(t.decode(tokens).unicodeScalars)
        var subwords: [String] = [], subwordTokens: [[Int]] = []
        var current: [Int] = []
        var offset = 0
        for token in tokens {
            current.append(token)
            let decoded = Array(t.decode(current).unicodeScalars)
            let index = decoded.firstIndex(of: replacement).map { $0 + offset }
            if index == nil || (index! < full.count && full[index!] == replacement) {
                subwords.append(String(String.UnicodeScalarView(decoded)))
                subwordTokens.append(current)
                current = []
                offset += decoded.count
            }
        }
        let punctuation = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"
        var words: [String] = [], wordTokens: [[Int]] = []
        for (subword, ids) in zip(subwords, subwordTokens) {
            let special = ids[0] >= t.endOfText
            let withSpace = subword.hasPrefix(" ")
            let stripped = subword.trimmingCharacters(in: .whitespacesAndNewlines)
            let isPunctuation = stripped.isEmpty || punctuation.contains(stripped)
            if special || withSpace || isPunctuation || words.isEmpty {
                words.append(subword); wordTokens.append(ids)
            } else {
                words[words.count - 1] += subword
                wordTokens[wordTokens.count - 1] += ids
            }
        }
        return (words, wordTokens)
    }

    /// CTranslate2's MedianFilter: per row, reflect at the edges.
    static func medianFilter(_ x: [Float], rows: Int, columns: Int, width: Int) -> [Float] {
        let rank = width / 2
        if columns <= rank { return x }
        var out = x
        var window = [Float](repeating: 0, count: width)
        for r in 0..<rows {
            let base = r * columns
            for j in 0..<columns {
                for k in -rank...rank {
                    var read = abs(j + k)
                    if read >= columns { read = columns - (read - columns) - 2 }
                    window[k + rank] = x[base + read]
                }
                window.sort()
                out[base + j] = window[rank]
            }
        }
        return out
    }

    /// Dynamic time warping over −x (CTranslate2's negative_dtw): (row, column) pairs.
    static func negativeDTW(_ x: [Float], rows n: Int, columns m: Int) -> [(Int, Int)] {
        var cost = [Float](repeating: .infinity, count: (n + 1) * (m + 1))
        var trace = [Int8](repeating: -1, count: (n + 1) * (m + 1))
        cost[0] = 0
        let w = m + 1
        for j in 1...m {
            for i in 1...n {
                let c0 = cost[(i - 1) * w + j - 1], c1 = cost[(i - 1) * w + j], c2 = cost[i * w + j - 1]
                let c: Float, t: Int8
                if c0 < c1 && c0 < c2 { c = c0; t = 0 } else if c1 < c0 && c1 < c2 { c = c1; t = 1 } else { c = c2; t = 2 }
                cost[i * w + j] = -x[(i - 1) * m + (j - 1)] + c
                trace[i * w + j] = t
            }
        }
        for k in 0...m { trace[k] = 2 }
        for k in 0...n { trace[k * w] = 1 }
        var i = n, j = m
        var path: [(Int, Int)] = []
        while i > 0 || j > 0 {
            path.append((i - 1, j - 1))
            switch trace[i * w + j] {
            case 0: i -= 1; j -= 1
            case 1: i -= 1
            default: j -= 1
            }
        }
        return path.reversed()
    }

    /// faster-whisper's add_word_timestamps for the pieces of one window: words per piece
    /// (times rounded to 10 ms, from the window start `timeOffset`), piece start/end moved to
    /// the words; returns the new last-speech time.
    func addWordTimestamps(_ pieces: inout [Piece], words pieceWords: inout [[SpeechWord]], encoderOutput: [Float],
                           contentFrames: Int, timeOffset: Double, lastSpeech: Double) -> Double {
        let eot = model.tokenizer.endOfText
        let textPerPiece = pieces.map { $0.tokens.filter { $0 < eot } }
        var alignment = align(textPerPiece.flatMap { $0 }, encoderOutput: encoderOutput, contentFrames: contentFrames)
        let durations = alignment.map { $0.end - $0.start }.filter { $0 != 0 }
        var median = 0.0
        if !durations.isEmpty {
            let s = durations.sorted()
            median = s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
        }
        median = min(0.7, median)
        let maxDuration = median * 2
        if !durations.isEmpty {
            let sentenceEnd = ".。!！?？"
            for i in 1..<max(1, alignment.count) where alignment[i].end - alignment[i].start > maxDuration {
                if Self.isIn(alignment[i].word, Array(sentenceEnd)) {
                    alignment[i].end = alignment[i].start + maxDuration
                } else if Self.isIn(alignment[i - 1].word, Array(sentenceEnd)) {
                    alignment[i].start = alignment[i].end - maxDuration
                }
            }
        }
        Self.mergePunctuations(&alignment)
        var lastSpeech = lastSpeech
        var wordIndex = 0
        pieceWords = []
        for p in pieces.indices {
            var saved = 0
            var words: [SpeechWord] = []
            while wordIndex < alignment.count && saved < textPerPiece[p].count {
                let timing = alignment[wordIndex]
                if !timing.word.isEmpty {
                    words.append(SpeechWord(word: timing.word, start: Self.round2(timeOffset + timing.start),
                                            end: Self.round2(timeOffset + timing.end), probability: timing.probability))
                }
                saved += timing.tokens.count
                wordIndex += 1
            }
            if !words.isEmpty {
                if words[0].end - lastSpeech > median * 4
                    && (words[0].end - words[0].start > maxDuration
                        || (words.count > 1 && words[1].end - words[0].start > maxDuration * 2)) {
                    if words.count > 1 && words[1].end - words[1].start > maxDuration {
                        let boundary = max(words[1].end / 2, words[1].end - maxDuration)
                        words[0].end = boundary; words[1].start = boundary
                    }
                    words[0].start = max(0, words[0].end - maxDuration)
                }
                if pieces[p].start < words[0].end && pieces[p].start - 0.5 > words[0].start {
                    words[0].start = max(0, min(words[0].end - median, pieces[p].start))
                } else {
                    pieces[p].start = words[0].start
                }
                if pieces[p].end > words[words.count - 1].start && pieces[p].end + 0.5 < words[words.count - 1].end {
                    words[words.count - 1].end = max(words[words.count - 1].start + median, pieces[p].end)
                } else {
                    pieces[p].end = words[words.count - 1].end
                }
                lastSpeech = pieces[p].end
            }
            pieceWords.append(words)
        }
        return lastSpeech
    }

    /// Python's round(x, 2) for the values seen here (ties to even on the decimal).
    static func round2(_ x: Double) -> Double { (x * 100).rounded(.toNearestOrEven) / 100 }

    static func mergePunctuations(_ alignment: inout [AlignedWord]) {
        if alignment.isEmpty { return }
        var i = alignment.count - 2, j = alignment.count - 1
        while i >= 0 {
            let previous = alignment[i]
            let stripped = previous.word.trimmingCharacters(in: .whitespacesAndNewlines)
            if previous.word.hasPrefix(" ") && isIn(stripped, prependPunctuations) {
                alignment[j].word = previous.word + alignment[j].word
                alignment[j].tokens = previous.tokens + alignment[j].tokens
                alignment[i].word = ""; alignment[i].tokens = []
            } else {
                j = i
            }
            i -= 1
        }
        i = 0; j = 1
        while j < alignment.count {
            let previous = alignment[i], following = alignment[j]
            if !previous.word.hasSuffix(" ") && isIn(following.word, appendPunctuations) {
                alignment[i].word = previous.word + following.word
                alignment[i].tokens = previous.tokens + following.tokens
                alignment[j].word = ""; alignment[j].tokens = []
            } else {
                i = j
            }
            j += 1
        }
    }

    /// Python's `s in punctuation_string` (substring test; "" is always in).
    static func isIn(_ s: String, _ set: [Character]) -> Bool {
        s.isEmpty || String(set).contains(s)
    }
}
