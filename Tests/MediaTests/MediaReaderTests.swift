import Foundation
import Media
import Testing

@Suite("Decoding files with FFmpeg")
struct MediaReaderTests {
    @Test("Audio from an MP4 matches the ffmpeg CLI's 16 kHz mono decode sample for sample")
    func audioMatchesFFmpegCLI() async throws {
        try TestMedia.ready()
        let input = TestMedia.path("clip.mp4")
        let media = try await MediaReader(input, options: MediaReadOptions(audio: .speech, captions: false)).readAll()
        let reference = try TestMedia.ffmpegAudio(input)
        #expect(media.sampleRate == 16_000)
        #expect(abs(media.audio.count - reference.count) <= 1, "Sentio \(media.audio.count) vs ffmpeg \(reference.count) samples")
        let n = min(media.audio.count, reference.count)
        var maxDiff: Float = 0
        for i in 0..<n { maxDiff = max(maxDiff, abs(media.audio[i] - reference[i])) }
        #expect(maxDiff < 1e-4)
        let rms = (media.audio.map { $0 * $0 }.reduce(0, +) / Float(n)).squareRoot()
        #expect(rms > 0.01, "speech, not silence")
        #expect(abs(media.audioStartTime ?? -1) < 0.001, "first sample at t = 0")
    }

    @Test("Stereo 16 kHz WAV of a real MOSI clip is mixed to mono like the ffmpeg CLI")
    func realWAV() async throws {
        guard TestMedia.hasSharedClips else { return }
        let media = try await MediaReader(TestMedia.mosiWAV).readAll()
        let reference = try TestMedia.ffmpegAudio(TestMedia.mosiWAV)
        #expect(media.audio.count == reference.count)
        let maxDiff = zip(media.audio, reference).map { abs($0 - $1) }.max() ?? 1
        #expect(maxDiff < 1e-4)
        #expect(abs(media.audioDuration - 3.3) < 0.1)
    }

    @Test("A real MOSI video decodes every frame at 480×360, 30 fps, with evenly spaced times")
    func realVideo() async throws {
        guard TestMedia.hasSharedClips else { return }
        let options = MediaReadOptions(audio: .speech, video: VideoFormat(pixelFormat: .gray8), captions: false)
        let media = try await MediaReader(TestMedia.mosiMP4, options: options).readAll()
        #expect(media.frames.count == 225)
        #expect(media.frames.first?.width == 480 && media.frames.first?.height == 360)
        #expect(media.frames.allSatisfy { $0.pixels.count == 480 * 360 })
        for (i, frame) in media.frames.enumerated() {
            #expect(abs(frame.time - Double(i) / 30) < 0.001)
            #expect(frame.index == i)
        }
        #expect(media.audio.count == 119_049, "the ffmpeg CLI gives 119049 samples for this clip")
    }

    @Test("Video scaled to 160×120 gray8 and rgb24 equals the ffmpeg CLI's swscale output")
    func scaledVideoMatchesCLI() async throws {
        try TestMedia.ready()
        let input = TestMedia.path("clip.mp4")
        for (format, cliFormat) in [(PixelFormat.gray8, "gray"), (.rgb24, "rgb24")] {
            let options = MediaReadOptions(audio: nil, video: VideoFormat(width: 160, height: 120, pixelFormat: format),
                                           captions: false)
            let media = try await MediaReader(input, options: options).readAll()
            #expect(media.frames.count == Int(TestMedia.duration * TestMedia.fps))
            let raw = try TestMedia.run("ffmpeg", ["-i", input, "-an", "-sn", "-vf", "scale=160:120:flags=bilinear",
                                                    "-pix_fmt", cliFormat, "-f", "rawvideo", "-"])
            let frameBytes = 160 * 120 * format.bytesPerPixel
            #expect(raw.count == media.frames.count * frameBytes)
            for (i, frame) in media.frames.enumerated().prefix(10) {
                #expect(frame.pixels.count == frameBytes)
                let reference = raw[raw.startIndex + i * frameBytes ..< raw.startIndex + (i + 1) * frameBytes]
                let maxDiff = zip(frame.pixels, reference).map { abs(Int($0) - Int($1)) }.max() ?? 255
                #expect(maxDiff <= 2, "frame \(i) \(format): max pixel difference \(maxDiff)")
            }
        }
    }

    @Test("One side of the size keeps the aspect ratio")
    func aspect() async throws {
        try TestMedia.ready()
        let options = MediaReadOptions(audio: nil, video: VideoFormat(width: 96), captions: false)
        let media = try await MediaReader(TestMedia.path("clip.mp4"), options: options).readAll()
        #expect(media.frames.first?.width == 96 && media.frames.first?.height == 72)
    }

    @Test("A requested rate of 5 fps keeps every fifth frame of 25 fps video")
    func frameRate() async throws {
        try TestMedia.ready()
        let options = MediaReadOptions(audio: nil, video: VideoFormat(width: 64, height: 48, frameRate: 5), captions: false)
        let media = try await MediaReader(TestMedia.path("clip.mp4"), options: options).readAll()
        #expect(media.frames.count == 20)
        for (i, frame) in media.frames.enumerated() {
            #expect(abs(frame.time - Double(i) * 0.2) < 0.021, "frame \(i) at \(frame.time)")
        }
    }

    @Test("Streaming delivers the same audio as the batch read, in time order")
    func streamingEqualsBatch() async throws {
        try TestMedia.ready()
        let reader = MediaReader(TestMedia.path("clip.mkv"),
                                 options: MediaReadOptions(audio: .speech, video: VideoFormat(width: 32, height: 24), captions: true))
        let batch = try await reader.readAll()
        var streamed: [Float] = []
        var lastAudioEnd = 0.0
        var frames = 0
        for try await event in reader.events() {
            switch event {
            case .audio(let chunk):
                #expect(abs(chunk.startTime - lastAudioEnd) < 0.002, "chunks tile the timeline")
                lastAudioEnd = chunk.endTime
                streamed += chunk.samples
            case .video: frames += 1
            case .caption: break
            }
        }
        #expect(streamed == batch.audio)
        #expect(frames == batch.frames.count)
    }

    @Test("Stopping iteration early ends the decoding thread without draining the input")
    func earlyStop() async throws {
        try TestMedia.ready()
        let reader = MediaReader(TestMedia.path("clip.mp4"),
                                 options: MediaReadOptions(audio: .speech, video: VideoFormat(), bufferCapacity: 2))
        var count = 0
        for try await _ in reader.events() {
            count += 1
            if count == 3 { break }
        }
        #expect(count == 3)
    }

    @Test("Probe reports container, codecs, rates, duration and the caption track")
    func probe() throws {
        try TestMedia.ready()
        let info = try MediaReader.probe(TestMedia.path("clip.mp4"))
        #expect(info.format.contains("mp4"))
        #expect(abs((info.duration ?? 0) - TestMedia.duration) < 0.1)
        let video = try #require(info.videoStreams.first)
        #expect(video.codec == "h264" && video.width == 320 && video.height == 240)
        #expect(abs((video.frameRate ?? 0) - 25) < 0.01)
        let audio = try #require(info.audioStreams.first)
        #expect(audio.codec == "aac" && audio.sampleRate == 22_050 && audio.channels == 1)
        #expect(info.captionTracks.map(\.codec) == ["mov_text"])
        #expect(info.captionTracks.first?.language == "eng")

        let mkv = try MediaReader.probe(TestMedia.path("clip.mkv"))
        #expect(mkv.captionTracks.map(\.codec) == ["subrip", "ass", "webvtt"])
    }

    @Test("Any sample rate and layout is resampled to 16 kHz mono: 48 kHz 5.1 s16 and 8 kHz u8")
    func resampling() async throws {
        try TestMedia.ready()
        for (rate, layout, codec) in [(48_000, "5.1", "pcm_s16le"), (8_000, "mono", "pcm_u8"), (44_100, "stereo", "pcm_f32le")] {
            let file = TestMedia.path("tone-\(rate).wav")
            try TestMedia.run("ffmpeg", ["-y", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=\(rate):duration=2",
                                         "-af", "aformat=channel_layouts=\(layout)", "-c:a", codec, file])
            let media = try await MediaReader(file).readAll()
            let reference = try TestMedia.ffmpegAudio(file)
            #expect(abs(media.audio.count - 32_000) <= 16, "\(rate) Hz \(layout): \(media.audio.count) samples")
            #expect(media.audio.count == reference.count)
            let maxDiff = zip(media.audio, reference).map { abs($0 - $1) }.max() ?? 1
            #expect(maxDiff < 1e-3, "\(rate) Hz \(layout)")
        }
    }
}
