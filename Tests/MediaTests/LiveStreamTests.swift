import Foundation
import Media
import Testing

/// Live sources pushed by the real ffmpeg CLI on loopback and read while they play.
@Suite("Live streams", .serialized)
struct LiveStreamTests {
    struct Outcome {
        var media = DecodedMedia()
        var error: MediaError?
        var senderRunningAtFirstEvent: Bool?
        var endedAfter: Duration = .zero
    }

    /// Reads `url` until it ends or fails, noting whether the sender was still playing
    /// when the first event arrived (proof that decoding keeps up with the stream).
    static func collect(_ reader: MediaReader, sender: @escaping @Sendable () -> Bool) async -> Outcome {
        var outcome = Outcome()
        let clock = ContinuousClock()
        let start = clock.now
        do {
            for try await event in reader.events() {
                if outcome.senderRunningAtFirstEvent == nil { outcome.senderRunningAtFirstEvent = sender() }
                outcome.media.append(event)
            }
        } catch let error as MediaError {
            outcome.error = error
        } catch {
            outcome.error = MediaError(.readFailed, input: reader.input, reason: "\(error)")
        }
        outcome.endedAfter = clock.now - start
        return outcome
    }

    final class SenderBox: @unchecked Sendable {
        var process: Process?
        var isRunning: Bool { process?.isRunning ?? false }
    }

    @Test("MPEG-TS over UDP from ffmpeg -re is decoded while it plays; when it stops sending the read fails as stalled, keeping what arrived")
    func udp() async throws {
        try TestMedia.ready()
        let url = "udp://127.0.0.1:\(TestMedia.freePort(udp: true))"
        let reader = MediaReader(url, options: MediaReadOptions(audio: .speech, video: VideoFormat(width: 64, height: 48),
                                                                captions: false, stallTimeout: .seconds(2)))
        let box = SenderBox()
        let collecting = Task { await Self.collect(reader, sender: { box.isRunning }) }
        try await Task.sleep(for: .milliseconds(400))  // the reader binds the port first
        box.process = try TestMedia.start("ffmpeg", ["-re", "-i", TestMedia.path("clip.mp4"), "-map", "0:v", "-map", "0:a",
                                                     "-c", "copy", "-f", "mpegts", url])
        let outcome = await collecting.value
        box.process?.waitUntilExit()

        #expect(outcome.senderRunningAtFirstEvent == true, "events arrive while the stream plays")
        #expect(outcome.error?.kind == .stalled, "\(String(describing: outcome.error))")
        #expect(outcome.error?.description.contains(url) == true)
        // Everything sent was kept: 4 s of audio and 100 frames, give or take the stream's edges.
        #expect(abs(outcome.media.audioDuration - TestMedia.duration) < 0.3, "audio \(outcome.media.audioDuration) s")
        #expect(abs(outcome.media.frames.count - 100) <= 5, "\(outcome.media.frames.count) frames")
        #expect(abs((outcome.media.audioStartTime ?? 9) - (outcome.media.frames.first?.time ?? -9)) < 0.1,
                "audio and video share one timeline")
        // It gave up about 2 s after the sender stopped (4 s of play + 2 s timeout), not never.
        #expect(outcome.endedAfter < .seconds(10))
    }

    @Test("MPEG-TS pushed over TCP is read to its end while it plays")
    func tcp() async throws {
        try TestMedia.ready()
        let port = TestMedia.freePort()
        let reader = MediaReader("tcp://127.0.0.1:\(port)?listen=1",
                                 options: MediaReadOptions(audio: .speech, video: VideoFormat(width: 64, height: 48),
                                                           captions: false, stallTimeout: .seconds(5)))
        let box = SenderBox()
        let collecting = Task { await Self.collect(reader, sender: { box.isRunning }) }
        try await Task.sleep(for: .milliseconds(400))
        box.process = try TestMedia.start("ffmpeg", ["-re", "-i", TestMedia.path("clip.mp4"), "-map", "0:v", "-map", "0:a",
                                                     "-c", "copy", "-f", "mpegts", "tcp://127.0.0.1:\(port)"])
        let outcome = await collecting.value
        box.process?.waitUntilExit()
        #expect(outcome.error == nil, "\(String(describing: outcome.error))")
        #expect(outcome.senderRunningAtFirstEvent == true)
        #expect(abs(outcome.media.audioDuration - TestMedia.duration) < 0.15)
        #expect(outcome.media.frames.count == 100)
    }

    @Test("A pipe: input (a file descriptor fed by ffmpeg) is read like a file")
    func pipe() async throws {
        try TestMedia.ready()
        let pipe = Pipe()
        let sender = Process()
        sender.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        sender.arguments = ["ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-i", TestMedia.path("clip.mp4"),
                            "-map", "0:a", "-c", "copy", "-f", "adts", "-"]
        sender.standardOutput = pipe
        try sender.run()
        try pipe.fileHandleForWriting.close()
        let fd = pipe.fileHandleForReading.fileDescriptor
        let media = try await MediaReader("pipe:\(fd)", options: MediaReadOptions(audio: .speech)).readAll()
        sender.waitUntilExit()
        #expect(abs(media.audioDuration - TestMedia.duration) < 0.1)
    }

    @Test("A URL that refuses the connection fails at once, naming the URL")
    func refused() async throws {
        let url = "tcp://127.0.0.1:\(TestMedia.freePort())"
        let clock = ContinuousClock()
        let start = clock.now
        do {
            _ = try await MediaReader(url).readAll()
            Issue.record("nothing listens there")
        } catch {
            #expect(error.kind == .connectionRefused)
            #expect(error.description.contains(url) && error.description.contains("refused"))
        }
        #expect(clock.now - start < .seconds(3))
    }

    @Test("Opening a live source that never sends fails as stalled after the timeout")
    func silentSource() async throws {
        let url = "udp://127.0.0.1:\(TestMedia.freePort(udp: true))"
        let clock = ContinuousClock()
        let start = clock.now
        do {
            _ = try await MediaReader(url, options: MediaReadOptions(stallTimeout: .milliseconds(800))).readAll()
            Issue.record("nothing was sent")
        } catch {
            #expect(error.kind == .stalled, "\(error)")
        }
        let waited = clock.now - start
        #expect(waited >= .milliseconds(700) && waited < .seconds(3), "waited \(waited)")
    }
}

/// The other protocols of the issue, each with a real peer on loopback: Python's HTTP server,
/// and the ffmpeg CLI pushing RTSP, RTMP and SRT to Sentio listening as the server.
@Suite("Network protocols", .serialized)
struct ProtocolTests {
    static func push(_ reader: MediaReader, senderArguments: [String], delay: Duration = .milliseconds(500)) async throws
        -> LiveStreamTests.Outcome {
        let box = LiveStreamTests.SenderBox()
        let collecting = Task { await LiveStreamTests.collect(reader, sender: { box.isRunning }) }
        try await Task.sleep(for: delay)
        box.process = try TestMedia.start("ffmpeg", ["-re", "-i", TestMedia.path("clip.mp4"), "-map", "0:v", "-map", "0:a",
                                                     "-c", "copy"] + senderArguments)
        let outcome = await collecting.value
        TestMedia.stop(box.process)
        return outcome
    }

    static let liveOptions = MediaReadOptions(audio: .speech, video: VideoFormat(width: 64, height: 48), captions: false,
                                              stallTimeout: .seconds(3))

    @Test("http:// from a real HTTP server")
    func http() async throws {
        try TestMedia.ready()
        let port = TestMedia.freePort()
        let server = try TestMedia.start("python3", ["-m", "http.server", "\(port)", "--bind", "127.0.0.1",
                                                     "--directory", TestMedia.folder.path])
        defer { TestMedia.stop(server) }
        var media: DecodedMedia?
        let reader = MediaReader("http://127.0.0.1:\(port)/clip.mp4", options: MediaReadOptions(audio: .speech))
        for _ in 0..<50 {  // until the server listens
            do {
                media = try await reader.readAll()
                break
            } catch {
                guard error.kind == .connectionRefused else { throw error }
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        let fetched: [Float] = try #require(media).audio
        let local: [Float] = try await MediaReader(TestMedia.path("clip.mp4")).readAll().audio
        #expect(fetched == local, "same samples as the file")
    }

    /// A protocol where Sentio listens and the ffmpeg CLI pushes: what to open, and how ffmpeg sends.
    struct PushedProtocol: Sendable, CustomTestStringConvertible {
        var name: String
        var listen: @Sendable (Int) -> (url: String, options: [String: String])
        var send: @Sendable (Int) -> [String]
        var udp = false
        var testDescription: String { name }
    }

    static let pushed: [PushedProtocol] = [
        PushedProtocol(name: "rtsp", listen: { ("rtsp://127.0.0.1:\($0)/live", ["rtsp_flags": "listen"]) },
                       send: { ["-f", "rtsp", "rtsp://127.0.0.1:\($0)/live"] }),
        PushedProtocol(name: "rtmp", listen: { ("rtmp://127.0.0.1:\($0)/live/cam1", ["listen": "1"]) },
                       send: { ["-f", "flv", "rtmp://127.0.0.1:\($0)/live/cam1"] }),
        PushedProtocol(name: "srt", listen: { ("srt://127.0.0.1:\($0)?mode=listener", [:]) },
                       send: { ["-f", "mpegts", "srt://127.0.0.1:\($0)?mode=caller"] }, udp: true),
    ]

    @Test("rtsp://, rtmp:// and srt:// pushed by ffmpeg to Sentio listening are read while they play", arguments: pushed)
    func pushedStream(_ protocolCase: PushedProtocol) async throws {
        try TestMedia.ready()
        let port = TestMedia.freePort(udp: protocolCase.udp)
        let (url, formatOptions) = protocolCase.listen(port)
        var options = Self.liveOptions
        options.formatOptions = formatOptions
        let outcome = try await Self.push(MediaReader(url, options: options), senderArguments: protocolCase.send(port))
        #expect(outcome.senderRunningAtFirstEvent == true)
        #expect(abs(outcome.media.audioDuration - TestMedia.duration) < 0.3,
                "audio \(outcome.media.audioDuration) s, \(String(describing: outcome.error))")
        #expect(abs(outcome.media.frames.count - 100) <= 5)
    }
}
