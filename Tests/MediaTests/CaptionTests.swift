import Foundation
import Media
import Testing

@Suite("Caption cues from subtitle streams")
struct CaptionTests {
    static func captions(_ file: String) async throws -> [CaptionCue] {
        try TestMedia.ready()
        let options = MediaReadOptions(audio: nil, video: nil, captions: true)
        return try await MediaReader(TestMedia.path(file), options: options).readAll().captions
    }

    static func expectMatchesSRT(_ cues: [CaptionCue], label: String) {
        #expect(cues.count == TestMedia.cues.count, "\(label): \(cues)")
        for (cue, expected) in zip(cues, TestMedia.cues) {
            // Within one video frame (40 ms at 25 fps).
            #expect(abs(cue.start - expected.0) < 0.04, "\(label) start \(cue.start) vs \(expected.0)")
            #expect(abs(cue.end - expected.1) < 0.04, "\(label) end \(cue.end) vs \(expected.1)")
            #expect(cue.text == expected.2, "\(label) text")
        }
    }

    @Test("mov_text in MP4 gives the SRT cues back within one frame")
    func movText() async throws {
        Self.expectMatchesSRT(try await Self.captions("clip.mp4"), label: "mov_text")
    }

    @Test("subrip, ass and webvtt tracks in MKV each give the SRT cues back within one frame")
    func matroskaTracks() async throws {
        let cues = try await Self.captions("clip.mkv")
        let byStream = Dictionary(grouping: cues, by: { $0.streamIndex ?? -1 })
        #expect(byStream.keys.sorted() == [2, 3, 4], "three caption tracks after video and audio")
        for (stream, label) in [(2, "subrip"), (3, "ass"), (4, "webvtt")] {
            Self.expectMatchesSRT(byStream[stream] ?? [], label: label)
        }
    }

    @Test("ASS dialogue events lose their fields and override tags")
    func assText() {
        #expect(CaptionText.plain(fromASS: "0,0,Default,,0,0,0,,{\\i1}Hello{\\i0},\\Nworld") == "Hello, world")
        #expect(CaptionText.plain(fromASS: "Dialogue: 0,0:00:01.00,0:00:02.00,Default,,0,0,0,,Plain text") == "Plain text")
        #expect(CaptionText.normalize("<v Roger>Hi <i>there</i>\n  you") == "Hi there you")
    }
}

@Suite("Sidecar transcripts")
struct TranscriptTests {
    @Test("SubRip cues with CRLF line ends, tags and multi-line text")
    func subRip() throws {
        let text = "1\r\n00:00:01,500 --> 00:00:03,250\r\n<i>Hello</i>\r\nthere\r\n\r\n2\r\n01:02:03,004 --> 01:02:04,000\r\nbye\r\n"
        let transcript = try Transcript.parseSubRip(text)
        #expect(transcript.segments.count == 2)
        #expect(transcript.segments[0] == .init(start: 1.5, end: 3.25, text: "Hello there"))
        #expect(abs(transcript.segments[1].start - 3723.004) < 1e-9)
    }

    @Test("WebVTT with header, NOTE block, identifiers, cue settings and short timestamps")
    func webVTT() throws {
        let text = """
        WEBVTT - a title

        NOTE this is
        a comment --> not a cue

        intro
        00:01.000 --> 00:02.500 align:start position:10%
        <v Ann>Good morning

        00:00:03.000 --> 00:00:04.000
        second
        """
        let transcript = try Transcript.parseWebVTT(text)
        #expect(transcript.segments == [.init(start: 1, end: 2.5, text: "Good morning"), .init(start: 3, end: 4, text: "second")])
    }

    @Test("JSON segments with word times; segment times may come from the words")
    func json() throws {
        let data = Data("""
        {"segments": [
          {"start": 0.5, "end": 1.5, "text": "hello world",
           "words": [{"word": "hello", "start": 0.5, "end": 0.9}, {"word": "world", "start": 1.0, "end": 1.5}]},
          {"words": [{"word": "bye", "start": 2.0, "end": 2.4}]}
        ]}
        """.utf8)
        let transcript = try Transcript.parseJSON(data)
        #expect(transcript.segments.count == 2)
        #expect(transcript.segments[0].words?.count == 2)
        #expect(transcript.segments[1] == .init(start: 2.0, end: 2.4, text: "bye",
                                                 words: [.init(word: "bye", start: 2.0, end: 2.4)]))
    }

    @Test("Files load by extension; the generated SRT matches the cues the speech was made from")
    func loadFile() throws {
        try TestMedia.ready()
        let transcript = try Transcript.load(path: TestMedia.path("captions.srt"))
        #expect(transcript.cues.map(\.text) == TestMedia.cues.map(\.2))
    }

    @Test("Bad transcripts name the file and the line")
    func badTranscripts() throws {
        #expect(throws: TranscriptError(input: "x.srt", line: 2, reason: "cannot read the cue times '00:00:01 --> soon'")) {
            try Transcript.parseSubRip("1\n00:00:01 --> soon\ntext\n", input: "x.srt")
        }
        #expect(throws: TranscriptError(input: "x.vtt", line: 1, reason: "a WebVTT file must start with 'WEBVTT'")) {
            try Transcript.parseWebVTT("00:01.000 --> 00:02.000\nhi\n", input: "x.vtt")
        }
        do {
            _ = try Transcript.parseSubRip("1\n00:00:05,000 --> 00:00:01,000\nbackwards\n", input: "y.srt")
            Issue.record("a cue that ends before it starts must be refused")
        } catch {
            #expect(error.line == 2 && error.description.hasPrefix("y.srt:2:"))
        }
        #expect(throws: TranscriptError.self) { try Transcript.parseJSON(Data("[1, 2]".utf8), input: "z.json") }
        #expect(throws: TranscriptError.self) { try Transcript.load(path: "/nonexistent/transcript.srt") }
        #expect(try Transcript.parseSubRip("").segments.isEmpty, "an empty transcript is empty, not an error")
    }
}
