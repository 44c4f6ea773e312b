import CFFmpeg
import Foundation

/// The work of one decoding thread: open, select streams, demux, decode, convert, hand over.
struct DecodeJob: Sendable {
    let reader: MediaReader
    let buffer: EventBuffer<MediaEvent>
    let control: ReadControl

    private var input: String { reader.input }
    private var options: MediaReadOptions { reader.options }

    func run() {
        do {
            try decode()
            buffer.finish()
        } catch {
            buffer.finish(throwing: error)
        }
    }

    private func decode() throws(MediaError) {
        let source = try InputSource(input: input, inputFormat: options.inputFormat,
                                     formatOptions: options.formatOptions, control: control)
        guard let context = source.context else { return }
        // Times are on the input's presentation timeline. A positive container start (the
        // running clock of MPEG-TS, RTP, …) becomes 0; a negative one (encoder priming, as
        // AAC in Matroska) is kept, so caption times stay as authored.
        let origin = max(0, source.startTime ?? 0)

        // Stream selection: FFmpeg's notion of the best audio and video stream, every
        // subtitle stream for captions; everything else is discarded at the demuxer.
        let audioIndex = options.audio == nil ? -1 : Int(av_find_best_stream(context, AVMEDIA_TYPE_AUDIO, -1, -1, nil, 0))
        let videoIndex = options.video == nil ? -1 : Int(av_find_best_stream(context, AVMEDIA_TYPE_VIDEO, -1, -1, nil, 0))
        if options.requireRequestedStreams {
            let summary = Self.streamSummary(source.info())
            if options.audio != nil && audioIndex < 0 {
                throw MediaError(.noAudioStream, input: input, reason: "has no audio stream (it has \(summary))")
            }
            if options.video != nil && videoIndex < 0 {
                throw MediaError(.noVideoStream, input: input, reason: "has no video stream (it has \(summary))")
            }
        }

        var audio: (decoder: StreamDecoder, resampler: AudioResampler)?
        var video: (decoder: StreamDecoder, scaler: VideoScaler)?
        var captions: [Int: CaptionDecoder] = [:]
        if audioIndex >= 0, let format = options.audio {
            audio = (try StreamDecoder(source: source, streamIndex: audioIndex, threads: options.decoderThreads),
                     AudioResampler(outputRate: format.sampleRate))
        }
        if videoIndex >= 0, let format = options.video {
            video = (try StreamDecoder(source: source, streamIndex: videoIndex, threads: options.decoderThreads),
                     VideoScaler(format: format, sourceFrameRate: source.stream(videoIndex).flatMap {
                         FFmpeg.double($0.pointee.avg_frame_rate) ?? FFmpeg.double($0.pointee.r_frame_rate) }))
        }
        if options.captions {
            for index in 0..<source.streamCount {
                guard let stream = source.stream(index), stream.pointee.codecpar.pointee.codec_type == AVMEDIA_TYPE_SUBTITLE
                else { continue }
                // Bitmap subtitles (DVD, PGS) carry no text; a caption track we cannot decode is skipped.
                if let decoder = try? StreamDecoder(source: source, streamIndex: index, threads: 1) {
                    captions[index] = CaptionDecoder(decoder: decoder)
                }
            }
        }
        for index in 0..<source.streamCount where index != audioIndex && index != videoIndex && captions[index] == nil {
            source.stream(index)?.pointee.discard = AVDISCARD_ALL
        }

        guard let packet = av_packet_alloc(), let frame = av_frame_alloc() else {
            throw MediaError(.readFailed, input: input, reason: "out of memory")
        }
        var packetRef: UnsafeMutablePointer<AVPacket>? = packet
        var frameRef: UnsafeMutablePointer<AVFrame>? = frame
        defer {
            av_packet_free(&packetRef)
            av_frame_free(&frameRef)
        }

        var progress = Progress()
        let emit = { (event: MediaEvent) throws(MediaError) in
            guard buffer.put(event) else {
                throw MediaError(.cancelled, input: input, reason: "the reader was stopped")
            }
            // Time spent waiting for a slow consumer is not a stall of the input.
            control.progressed()
        }

        func handleAudio(_ decoded: UnsafeMutablePointer<AVFrame>) throws(MediaError) {
            guard let audio else { return }
            let time = FFmpeg.seconds(decoded.pointee.best_effort_timestamp, audio.decoder.timeBase).map { $0 - origin }
            if let chunk = try audio.resampler.convert(decoded, time: time, input: input) {
                progress.audioEnd = max(progress.audioEnd, chunk.endTime)
                try emit(.audio(chunk))
            }
        }
        func handleVideo(_ decoded: UnsafeMutablePointer<AVFrame>) throws(MediaError) {
            guard let video else { return }
            guard let stamp = FFmpeg.seconds(decoded.pointee.best_effort_timestamp, video.decoder.timeBase) else { return }
            let time = stamp - origin
            progress.videoEnd = max(progress.videoEnd, time)
            guard video.scaler.wants(time: time) else { return }
            try emit(.video(try video.scaler.scale(decoded, time: time, input: input)))
        }

        readLoop: while true {
            let code = av_read_frame(context, packet)
            if code == FFmpeg.eof { break readLoop }
            if code < 0 {
                if control.didStall {
                    throw MediaError(.stalled, input: input,
                                     reason: "no data arrived for longer than the stall timeout; the source stopped sending",
                                     libraryMessage: FFmpeg.message(code))
                }
                if control.isCancelled {
                    throw MediaError(.cancelled, input: input, reason: "the reader was stopped")
                }
                // A damaged or cut file ends here; the buffered decoder output is still delivered.
                progress.readError = code
                break readLoop
            }
            control.progressed()
            defer { av_packet_unref(packet) }
            let index = Int(packet.pointee.stream_index)
            if let audio, index == audio.decoder.streamIndex {
                try audio.decoder.decode(packet, frame: frame, handleAudio)
            } else if let video, index == video.decoder.streamIndex {
                try video.decoder.decode(packet, frame: frame, handleVideo)
            } else if let captionDecoder = captions[index] {
                for var cue in captionDecoder.decode(packet) {
                    cue.start -= origin
                    cue.end -= origin
                    try emit(.caption(cue))
                }
            }
        }

        // Drain decoders and the resampler.
        if let audio {
            try audio.decoder.decode(nil, frame: frame, handleAudio)
            if let tail = audio.resampler.flush(input: input) {
                progress.audioEnd = max(progress.audioEnd, tail.endTime)
                try emit(.audio(tail))
            }
        }
        if let video { try video.decoder.decode(nil, frame: frame, handleVideo) }

        if let readError = progress.readError {
            throw MediaError(.readFailed, input: input, reason: "reading stopped early: the input is damaged or cut",
                             libraryMessage: FFmpeg.message(readError))
        }
        try checkCompleteness(source: source, origin: origin, audioIndex: audio?.decoder.streamIndex,
                              videoIndex: video?.decoder.streamIndex, progress: progress)
    }

    private struct Progress {
        var audioEnd: Double = 0
        var videoEnd: Double = 0
        var readError: Int32?
    }

    /// A file whose index promises more than the data holds was cut short (a truncated
    /// download or a recording that was killed): say so rather than end quietly.
    private func checkCompleteness(source: InputSource, origin: Double, audioIndex: Int?, videoIndex: Int?,
                                   progress: Progress) throws(MediaError) {
        guard !Self.isLive(input) else { return }
        func expectedEnd(_ index: Int) -> Double? {
            guard let stream = source.stream(index) else { return nil }
            let tb = stream.pointee.time_base
            if let start = FFmpeg.seconds(stream.pointee.start_time, tb),
               let duration = FFmpeg.seconds(stream.pointee.duration, tb), duration > 0 {
                return start + duration - origin
            }
            return source.duration
        }
        let tolerance = 0.5
        if let audioIndex, let expected = expectedEnd(audioIndex), progress.audioEnd + tolerance < expected {
            throw MediaError(.truncated, input: input,
                             reason: String(format: "is truncated: audio ends at %.2f s but the file declares %.2f s", progress.audioEnd, expected))
        }
        if let videoIndex, let expected = expectedEnd(videoIndex), progress.videoEnd + tolerance < expected {
            throw MediaError(.truncated, input: input,
                             reason: String(format: "is truncated: video ends at %.2f s but the file declares %.2f s", progress.videoEnd, expected))
        }
    }

    static func isLive(_ input: String) -> Bool {
        let lower = input.lowercased()
        return ["udp://", "tcp://", "rtp://", "rtsp://", "rtmp://", "srt://", "http://", "https://", "pipe:"]
            .contains { lower.hasPrefix($0) } || input == "-"
    }

    static func streamSummary(_ info: MediaInfo) -> String {
        let parts = info.streams.map { "\($0.kind.rawValue) \($0.codec)" }
        return parts.isEmpty ? "no streams" : parts.joined(separator: ", ")
    }
}
