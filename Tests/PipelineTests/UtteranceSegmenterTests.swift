import Media
import Pipeline
import Testing

@Suite("Utterance windows from timed text")
struct UtteranceSegmenterTests {
    typealias Segment = Transcript.Segment

    @Test("Cues of ordinary length become one window each, text and times kept")
    func passThrough() {
        let windows = UtteranceSegmenter.windows(for: [Segment(start: 0.5, end: 3.0, text: "I loved it"),
                                                       Segment(start: 4.0, end: 6.5, text: "it was great")],
                                                 source: .caption)
        #expect(windows == [UtteranceWindow(start: 0.5, end: 3.0, text: "I loved it", source: .caption),
                            UtteranceWindow(start: 4.0, end: 6.5, text: "it was great", source: .caption)])
    }

    @Test("Short neighbouring cues are merged; a long silence keeps them apart")
    func merge() {
        let windows = UtteranceSegmenter.windows(for: [Segment(start: 0.0, end: 0.4, text: "well"),
                                                       Segment(start: 0.6, end: 2.5, text: "I liked the film"),
                                                       Segment(start: 10.0, end: 10.5, text: "yes")],
                                                 source: .transcript)
        #expect(windows.map(\.text) == ["well I liked the film", "yes"])
        #expect(windows.first?.start == 0.0 && windows.first?.end == 2.5)
    }

    @Test("A 40 s cue is split into pieces of at most 15 s at word boundaries, keeping every word")
    func split() {
        let words = (0..<80).map { Transcript.Word(word: "w\($0)", start: Double($0) * 0.5, end: Double($0) * 0.5 + 0.4) }
        let text = words.map(\.word).joined(separator: " ")
        let windows = UtteranceSegmenter.windows(for: [Segment(start: 0, end: 40, text: text, words: words)], source: .feed)
        #expect(windows.count == 3)
        #expect(windows.allSatisfy { $0.duration <= 15 + 1e-9 }, "\(windows.map(\.duration))")
        #expect(windows.compactMap(\.text).joined(separator: " ") == text)
        #expect(windows.first?.start == 0 && windows.last?.end == 40)
    }

    @Test("Streaming gives the same windows as batch, each emitted once its merge gap has passed")
    func streaming() {
        let cues = [Segment(start: 0.0, end: 0.5, text: "so"), Segment(start: 0.7, end: 2.0, text: "this is good"),
                    Segment(start: 5.0, end: 7.0, text: "and this is bad")]
        var segmenter = UtteranceSegmenter(source: .caption)
        var streamed: [UtteranceWindow] = []
        streamed += segmenter.push(cues[0])
        streamed += segmenter.push(cues[1])
        #expect(streamed.isEmpty)
        streamed += segmenter.advance(to: 2.3)
        #expect(streamed.isEmpty, "still within the merge gap")
        streamed += segmenter.advance(to: 2.7)
        #expect(streamed.map(\.text) == ["so this is good"], "final once the gap passed")
        streamed += segmenter.push(cues[2])
        streamed += segmenter.finish()
        #expect(streamed == UtteranceSegmenter.windows(for: cues, source: .caption))
    }

    @Test("Empty cues and empty transcripts give no windows")
    func empty() {
        #expect(UtteranceSegmenter.windows(for: [Segment](), source: .caption).isEmpty)
        #expect(UtteranceSegmenter.windows(for: [Segment(start: 1, end: 2, text: "  ")], source: .caption).isEmpty)
    }
}
