import Media

/// Turns timed text (caption cues, transcript segments) into utterance windows of a usable
/// length: long cues are split, short neighbouring cues are merged.
///
/// Streaming: `push` cues in time order and `advance` the stream clock; a window is emitted
/// once nothing later can merge into it. `finish` flushes. The batch call runs the same code.
public struct UtteranceSegmenter: Sendable {
    public struct Policy: Sendable, Equatable {
        /// Longer cues are split into pieces no longer than this (seconds).
        public var maxDuration: Double
        /// Shorter cues are merged with their neighbour when the gap allows.
        public var minDuration: Double
        /// Largest silence between two cues that may be bridged by a merge (seconds).
        public var maxMergeGap: Double

        public init(maxDuration: Double = 15, minDuration: Double = 1.0, maxMergeGap: Double = 0.6) {
            self.maxDuration = maxDuration
            self.minDuration = minDuration
            self.maxMergeGap = maxMergeGap
        }
    }

    public let policy: Policy
    public let source: UtteranceWindow.Source
    private var pending: [Piece] = []

    /// A cue's text with word times, when known (for splits at word boundaries).
    struct Piece: Sendable, Equatable {
        var start: Double
        var end: Double
        var words: [Transcript.Word]
    }

    public init(policy: Policy = Policy(), source: UtteranceWindow.Source) {
        self.policy = policy
        self.source = source
    }

    /// Segments a whole transcript at once.
    public static func windows(for segments: [Transcript.Segment], policy: Policy = Policy(),
                               source: UtteranceWindow.Source) -> [UtteranceWindow] {
        var segmenter = UtteranceSegmenter(policy: policy, source: source)
        var out: [UtteranceWindow] = []
        for segment in segments.sorted(by: { $0.start < $1.start }) { out += segmenter.push(segment) }
        return out + segmenter.finish()
    }

    public static func windows(for cues: [CaptionCue], policy: Policy = Policy(),
                               source: UtteranceWindow.Source) -> [UtteranceWindow] {
        windows(for: cues.map { Transcript.Segment(start: $0.start, end: $0.end, text: $0.text) }, policy: policy, source: source)
    }

    /// Adds the next cue (cues must come in start order); returns windows that are now final.
    public mutating func push(_ segment: Transcript.Segment) -> [UtteranceWindow] {
        let text = segment.text.split(whereSeparator: { $0.isWhitespace }).map(String.init)
        guard segment.end > segment.start || !text.isEmpty else { return [] }
        let words: [Transcript.Word]
        if let given = segment.words, !given.isEmpty {
            words = given
        } else {
            words = Self.spreadWords(text, segment.start, segment.end)
        }
        guard !words.isEmpty else { return [] }
        var out: [UtteranceWindow] = []
        // A new cue starting after the merge gap closes whatever is pending.
        if let last = pending.last, segment.start - last.end > policy.maxMergeGap {
            out += flush()
        }
        for piece in split(Piece(start: segment.start, end: max(segment.end, segment.start), words: words)) {
            out += add(piece)
        }
        return out
    }

    public mutating func push(_ cue: CaptionCue) -> [UtteranceWindow] {
        push(Transcript.Segment(start: cue.start, end: cue.end, text: cue.text))
    }

    /// The stream has reached `time`: pending text that nothing can join any more is final.
    public mutating func advance(to time: Double) -> [UtteranceWindow] {
        guard let last = pending.last, time - last.end > policy.maxMergeGap else { return [] }
        return flush()
    }

    /// The end of the text held back for a possible merge, if any.
    public var pendingEnd: Double? { pending.last?.end }

    /// End of stream.
    public mutating func finish() -> [UtteranceWindow] { flush() }

    // MARK: -

    private mutating func add(_ piece: Piece) -> [UtteranceWindow] {
        guard let first = pending.first else {
            pending = [piece]
            return []
        }
        let pendingDuration = (pending.last?.end ?? first.end) - first.start
        let mergedDuration = piece.end - first.start
        // Merge while the pending text is still too short and the result stays within bounds;
        // a short piece after a long-enough window also joins it if it fits.
        let short = pendingDuration < policy.minDuration || piece.end - piece.start < policy.minDuration
        if short && mergedDuration <= policy.maxDuration {
            pending.append(piece)
            return []
        }
        let out = flush()
        pending = [piece]
        return out
    }

    private mutating func flush() -> [UtteranceWindow] {
        guard let first = pending.first, let last = pending.last else { return [] }
        let text = pending.flatMap(\.words).map(\.word).joined(separator: " ")
        pending = []
        return [UtteranceWindow(start: first.start, end: last.end, text: text, source: source)]
    }

    /// Splits a piece longer than the maximum at word boundaries, as evenly as the words allow.
    func split(_ piece: Piece) -> [Piece] {
        let duration = piece.end - piece.start
        guard duration > policy.maxDuration, piece.words.count > 1 else { return [piece] }
        let parts = Int((duration / policy.maxDuration).rounded(.up))
        var out: [Piece] = []
        var current: [Transcript.Word] = []
        var partStart = piece.start
        for word in piece.words {
            let boundary = partStart + duration / Double(parts)
            if !current.isEmpty && (word.end > partStart + policy.maxDuration || word.start >= boundary) && out.count < parts - 1 {
                out.append(Piece(start: partStart, end: word.start, words: current))
                partStart = word.start
                current = []
            }
            current.append(word)
        }
        if !current.isEmpty { out.append(Piece(start: partStart, end: piece.end, words: current)) }
        return out
    }

    /// Without word times, words share the cue's span in proportion to their length.
    static func spreadWords(_ words: [String], _ start: Double, _ end: Double) -> [Transcript.Word] {
        let total = words.reduce(0) { $0 + $1.count + 1 }
        guard total > 0 else { return [] }
        var time = start
        let perCharacter = (end - start) / Double(total)
        return words.map { word in
            let wordEnd = time + Double(word.count + 1) * perCharacter
            defer { time = wordEnd }
            return Transcript.Word(word: word, start: time, end: wordEnd)
        }
    }
}
