// Whisper transcription as faster-whisper does it with beam_size=1, temperature=0 and
// condition_on_previous_text=False: log-mel features of the whole input, then a seek loop
// over 30 s windows; each window is encoded once and decoded greedily from
// <|startoftranscript|> with CTranslate2's logits rules (suppressed tokens, blank
// suppression at the first step, timestamp rules), then cut into segments at timestamp
// pairs; the next window starts at the last complete timestamp.
import DSP
import Foundation
import Tensor

public struct SpeechRecognizer: Sendable {
    public let model: WhisperModel
    public let options: SpeechOptions
    private let mel: WhisperMel
    private let suppressed: [Int]

    /// Seconds per mel frame and per timestamp token.
    static let secondsPerFrame = 0.01
    static let secondsPerTimestamp = 0.02

    public init(model: WhisperModel, options: SpeechOptions = .init()) {
        self.model = model
        self.options = options
        mel = WhisperMel(melCount: model.melCount)
        let t = model.tokenizer
        // faster-whisper's get_suppressed_tokens: config's list plus the task/special tokens.
        var ids = Set(model.config.suppressIDs.filter { $0 >= 0 && $0 < model.vocabularySize })
        for id in [t.transcribe, t.translate, t.startOfTranscript, t.startOfPrevious, t.startOfLM, t.noSpeech] {
            if let id { ids.insert(id) }
        }
        suppressed = ids.sorted()
    }

    /// Segments of `samples` (16 kHz mono Float32); times relative to samples[0].
    public func transcribe(_ samples: [Float]) throws(SpeechError) -> [SpeechSegment] {
        if let i = samples.firstIndex(where: { !$0.isFinite }) {
            throw SpeechError(.invalidAudio, input: "samples", reason: "sample \(i) is \(samples[i])")
        }
        let features = mel.features(of: samples)
        return transcribe(features: features.values, frames: features.frames)
    }

    /// Segments of log-mel `features` [melCount × frames] (as `WhisperMel.features` returns).
    public func transcribe(features: [Float], frames: Int) -> [SpeechSegment] {
        let c = model.melCount, window = model.windowFrames
        let contentFrames = frames - 1
        var seek = 0
        var segments: [SpeechSegment] = []
        var windowMel = [Float](repeating: 0, count: c * window)
        var lastSpeech = 0.0
        while seek < contentFrames {
            let timeOffset = Double(seek) * Self.secondsPerFrame
            let size = min(window, contentFrames - seek)
            for i in 0..<windowMel.count { windowMel[i] = 0 }
            for m in 0..<c {
                for f in 0..<size { windowMel[m * window + f] = features[m * frames + seek + f] }
            }
            let encoded = model.encode(windowMel)
            let result = decodeWindow(encoded)
            if result.noSpeechProbability > options.noSpeechThreshold
                && !(result.averageLogProbability > options.logProbabilityThreshold) {
                seek += size
                continue
            }
            var (pieces, nextSeek, singleTimestampEnding) = split(result.tokens, timeOffset: timeOffset, size: size, seek: seek)
            var words: [[SpeechWord]]? = nil
            if options.wordTimestamps {
                var found: [[SpeechWord]] = []
                lastSpeech = addWordTimestamps(&pieces, words: &found, encoderOutput: encoded, contentFrames: size,
                                               timeOffset: Double(seek) / 100, lastSpeech: lastSpeech)
                words = found
                // faster-whisper: an unfinished window resumes at the last word's end.
                let lastWordEnd = found.reversed().lazy.compactMap { $0.last?.end }.first ?? pieces.last?.end
                if !singleTimestampEnding, let end = lastWordEnd, end > timeOffset {
                    nextSeek = Int((end * 100).rounded(.toNearestOrEven))
                }
                if let end = lastWordEnd { lastSpeech = end }
            }
            for (i, piece) in pieces.enumerated() {
                let text = model.tokenizer.decode(piece.tokens)
                if piece.start == piece.end || text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { continue }
                segments.append(SpeechSegment(start: piece.start, end: piece.end, text: text, words: words?[i],
                                              averageLogProbability: result.averageLogProbability,
                                              noSpeechProbability: result.noSpeechProbability, tokens: piece.tokens))
            }
            seek = nextSeek
        }
        return segments
    }

    /// Greedy decoding of one window.
    public struct WindowResult: Sendable, Equatable {
        /// Generated tokens (<|endoftext|> excluded).
        public var tokens: [Int]
        public var averageLogProbability: Float
        public var noSpeechProbability: Float
    }

    /// Decodes one window's encoder output [encoderFrames × width].
    public func decodeWindow(_ encoderOutput: [Float]) -> WindowResult {
        let t = model.tokenizer
        let vocabulary = model.vocabularySize
        let eot = t.endOfText, tsBegin = t.timestampBegin
        let maxInitial = tsBegin + Int((options.maxInitialTimestamp / Self.secondsPerTimestamp).rounded())
        // CTranslate2 decodes at most max_length/2 tokens after the prompt.
        let maxSteps = min(model.maxPositions / 2, model.maxPositions - 1)
        var state = model.decoderState(encoderOutput: encoderOutput)
        var tokens: [Int] = []
        var sumLogProb: Double = 0
        var noSpeech: Float = 0
        var input = t.startOfTranscript
        let begin = options.suppressBlank ? model.config.suppressIDsBegin : []
        for step in 0..<maxSteps {
            var logits = model.decode(token: input, position: step, state: &state)
            if step == 0 { noSpeech = Self.softmaxProbability(logits, index: t.noSpeech) }
            for id in suppressed { logits[id] = -.infinity }
            logits[t.noTimestamps] = -.infinity
            if step == 0 {
                for id in begin where id >= 0 && id < vocabulary { logits[id] = -.infinity }
                for i in 0..<tsBegin { logits[i] = -.infinity }
                if maxInitial + 1 < vocabulary { for i in (maxInitial + 1)..<vocabulary { logits[i] = -.infinity } }
            } else {
                var check = false
                let last = tokens[step - 1]
                if last >= tsBegin {
                    let penultimate = step - 1 > 0 ? tokens[step - 2] : last
                    if penultimate >= tsBegin {
                        for i in tsBegin..<vocabulary { logits[i] = -.infinity }   // text must follow a pair
                    } else {
                        for i in 0..<eot { logits[i] = -.infinity }                 // close the pair or end
                        check = true
                    }
                } else {
                    check = true
                }
                // Timestamps never decrease.
                if let lastTimestamp = tokens.last(where: { $0 >= tsBegin }), lastTimestamp > tsBegin {
                    for i in tsBegin..<lastTimestamp { logits[i] = -.infinity }
                }
                if check {
                    let lse = Self.logSumExp(logits, 0..<vocabulary)
                    let timestampLogProb = Self.logSumExp(logits, tsBegin..<vocabulary) - lse
                    var maxText = -Float.infinity
                    for i in 0..<tsBegin where logits[i] > maxText { maxText = logits[i] }
                    if timestampLogProb > maxText - lse {
                        for i in 0..<tsBegin { logits[i] = -.infinity }
                    }
                }
            }
            var best = 0
            for i in 1..<vocabulary where logits[i] > logits[best] { best = i }
            sumLogProb += Double(logits[best] - Self.logSumExp(logits, 0..<vocabulary))
            if best == eot { break }
            tokens.append(best)
            input = best
        }
        return WindowResult(tokens: tokens, averageLogProbability: Float(sumLogProb / Double(tokens.count + 1)),
                            noSpeechProbability: noSpeech)
    }

    struct Piece { var start: Double; var end: Double; var tokens: [Int] }

    /// faster-whisper's `_split_segments_by_timestamps`: segments between consecutive
    /// timestamp pairs, and the next seek position.
    func split(_ tokens: [Int], timeOffset: Double, size: Int, seek: Int) -> ([Piece], Int, Bool) {
        let tsBegin = model.tokenizer.timestampBegin
        let precision = Self.secondsPerTimestamp
        var pieces: [Piece] = []
        var seek = seek
        let singleTimestampEnding = tokens.count >= 2 && tokens[tokens.count - 2] < tsBegin && tsBegin <= tokens[tokens.count - 1]
        let consecutive = tokens.indices.filter { $0 > 0 && tokens[$0] >= tsBegin && tokens[$0 - 1] >= tsBegin }
        if !consecutive.isEmpty {
            var slices = consecutive
            if singleTimestampEnding { slices.append(tokens.count) }
            var lastSlice = 0
            for current in slices {
                let sliced = Array(tokens[lastSlice..<current])
                let startPosition = sliced[0] - tsBegin, endPosition = sliced[sliced.count - 1] - tsBegin
                pieces.append(Piece(start: timeOffset + Double(startPosition) * precision,
                                    end: timeOffset + Double(endPosition) * precision, tokens: sliced))
                lastSlice = current
            }
            if singleTimestampEnding {
                seek += size
            } else {
                let lastPosition = tokens[lastSlice - 1] - tsBegin
                seek += lastPosition * 2   // input stride: two mel frames per encoder position
            }
        } else {
            var duration = Double(size) * Self.secondsPerFrame
            let timestamps = tokens.filter { $0 >= tsBegin }
            if let last = timestamps.last, last != tsBegin {
                duration = Double(last - tsBegin) * precision
            }
            pieces.append(Piece(start: timeOffset, end: timeOffset + duration, tokens: tokens))
            seek += size
        }
        return (pieces, seek, singleTimestampEnding)
    }

    static func logSumExp(_ x: [Float], _ range: Range<Int>) -> Float {
        var m = -Float.infinity
        for i in range where x[i] > m { m = x[i] }
        if m == -.infinity { return -.infinity }
        var s: Float = 0
        for i in range { s += expf(x[i] - m) }
        return m + logf(s)
    }

    static func softmaxProbability(_ x: [Float], index: Int) -> Float {
        expf(x[index] - logSumExp(x, 0..<x.count))
    }
}
