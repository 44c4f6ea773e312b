import Foundation
import Media
import Testing

@Suite("Bad input gives typed errors that name the input")
struct BadInputTests {
    static func failure(_ input: String, _ options: MediaReadOptions = MediaReadOptions()) async -> MediaError? {
        do {
            _ = try await MediaReader(input, options: options).readAll()
            return nil
        } catch {
            return error
        }
    }

    @Test("A missing file")
    func missing() async {
        let error = await Self.failure("/nonexistent/interview.mp4")
        #expect(error?.kind == .notFound)
        #expect(error?.description == "/nonexistent/interview.mp4: no such file (No such file or directory)")
        #expect(throws: MediaError.self) { try MediaReader.probe("/nonexistent/interview.mp4") }
    }

    @Test("A file that is not media")
    func notMedia() async throws {
        try TestMedia.ready()
        let error = await Self.failure(TestMedia.path("notes.mp4"))
        #expect(error?.kind == .notMedia, "\(String(describing: error))")
        #expect(error?.description.contains("notes.mp4") == true)
        #expect(error?.libraryMessage?.isEmpty == false, "FFmpeg's own words are kept")
    }

    @Test("An MP4 cut in the middle keeps the first half and says it is truncated")
    func truncated() async throws {
        try TestMedia.ready()
        let options = MediaReadOptions(audio: .speech, video: VideoFormat(width: 32, height: 24))
        let error = try #require(await Self.failure(TestMedia.path("truncated.mp4"), options))
        #expect(error.kind == .truncated || error.kind == .readFailed, "\(error)")
        #expect(error.description.contains("truncated.mp4"))
        let partial = try #require(error.partial)
        #expect(partial.audioDuration > 0.5 && partial.audioDuration < TestMedia.duration - 0.5,
                "kept \(partial.audioDuration) s of audio")
        #expect(partial.frames.count > 10 && partial.frames.count < 100, "kept \(partial.frames.count) frames")
    }

    @Test("A stream without audio, and one without video, when that is what was asked for")
    func missingStreams() async throws {
        try TestMedia.ready()
        let noAudio = await Self.failure(TestMedia.path("video-only.mp4"), MediaReadOptions(audio: .speech))
        #expect(noAudio?.kind == .noAudioStream)
        #expect(noAudio?.description.contains("has no audio stream (it has video h264)") == true, "\(String(describing: noAudio))")
        let noVideo = await Self.failure(TestMedia.path("audio-only.m4a"), MediaReadOptions(audio: nil, video: VideoFormat()))
        #expect(noVideo?.kind == .noVideoStream)

        // When missing parts are acceptable, the rest is read.
        let lenient = MediaReadOptions(audio: .speech, video: VideoFormat(width: 32, height: 24), requireRequestedStreams: false)
        let media = try await MediaReader(TestMedia.path("video-only.mp4"), options: lenient).readAll()
        #expect(media.audio.isEmpty && media.frames.count == 100)
    }

    @Test("An unsupported codec names the stream and the codec")
    func unsupportedCodec() async throws {
        try TestMedia.ready()
        let error = await Self.failure(TestMedia.path("unknown-codec.wav"))
        #expect(error?.kind == .unsupportedCodec, "\(String(describing: error))")
        #expect(error?.description.contains("stream 0") == true)
    }

    @Test("A directory is not media")
    func directory() async {
        let error = await Self.failure(FileManager.default.temporaryDirectory.path)
        #expect(error != nil)
        #expect(error?.kind != .cancelled)
    }

    @Test("An unknown forced input format is refused before anything is opened")
    func unknownFormat() async {
        let error = await Self.failure("whatever.raw", MediaReadOptions(inputFormat: "no-such-format"))
        #expect(error?.kind == .invalidOptions)
    }
}
