import CFFmpeg
import Foundation

/// FFmpeg's interrupt callback: consulted while FFmpeg blocks on I/O.
private let interruptCallback: @convention(c) (UnsafeMutableRawPointer?) -> Int32 = { opaque in
    guard let opaque else { return 0 }
    let control = Unmanaged<ReadControl>.fromOpaque(opaque).takeUnretainedValue()
    return control.shouldInterrupt() ? 1 : 0
}

/// An opened AVFormatContext. Not thread-safe: one thread owns it from open to close.
final class InputSource {
    let input: String
    let control: ReadControl
    private(set) var context: UnsafeMutablePointer<AVFormatContext>?
    private let controlRef: Unmanaged<ReadControl>

    /// Opens `input` and reads its stream information.
    init(input: String, inputFormat: String?, formatOptions: [String: String], control: ReadControl) throws(MediaError) {
        _ = FFmpeg.configureLogging
        self.input = input
        self.control = control
        self.controlRef = Unmanaged.passRetained(control)

        guard let context = avformat_alloc_context() else {
            throw MediaError(.openFailed, input: input, reason: "cannot allocate a demuxer")
        }
        context.pointee.interrupt_callback = AVIOInterruptCB(callback: interruptCallback,
                                                             opaque: controlRef.toOpaque())
        control.formatContext = context
        var format: UnsafePointer<AVInputFormat>?
        if let inputFormat {
            format = av_find_input_format(inputFormat)
            if format == nil {
                avformat_free_context(context)
                    throw MediaError(.invalidOptions, input: input, reason: "unknown input format '\(inputFormat)'")
            }
        }
        var options: OpaquePointer?
        for (key, value) in formatOptions { av_dict_set(&options, key, value, 0) }
        defer { av_dict_free(&options) }

        var opened: UnsafeMutablePointer<AVFormatContext>? = context
        let openCode = avformat_open_input(&opened, Self.ffmpegURL(input), format, &options)
        if openCode < 0 {
            // avformat_open_input frees the context on failure. (deinit, which runs because
            // every stored property is set, releases the control.)
            control.formatContext = nil
            throw Self.openError(input: input, code: openCode, control: control)
        }
        self.context = opened
        control.progressed()
        let infoCode = avformat_find_stream_info(opened, nil)
        if infoCode < 0 {
            control.formatContext = nil
            avformat_close_input(&self.context)
            throw Self.openError(input: input, code: infoCode, control: control)
        }
    }

    deinit {
        control.formatContext = nil
        if context != nil { avformat_close_input(&context) }
        controlRef.release()
    }

    /// Plain paths go to FFmpeg's file protocol explicitly, so a file named "x:y" is not a URL.
    static func ffmpegURL(_ input: String) -> String {
        if input.contains("://") || input.hasPrefix("pipe:") || input.hasPrefix("file:") || input == "-" {
            return input == "-" ? "pipe:0" : input
        }
        return "file:" + input
    }

    static func openError(input: String, code: Int32, control: ReadControl) -> MediaError {
        let message = FFmpeg.message(code)
        if control.didStall {
            return MediaError(.stalled, input: input,
                              reason: "no data arrived within the stall timeout while opening", libraryMessage: message)
        }
        if control.isCancelled {
            return MediaError(.cancelled, input: input, reason: "opening was cancelled", libraryMessage: message)
        }
        switch code {
        case sentio_averror(ENOENT):
            return MediaError(.notFound, input: input, reason: "no such file", libraryMessage: message)
        case sentio_averror(ECONNREFUSED):
            return MediaError(.connectionRefused, input: input, reason: "the connection was refused (nothing is serving there)",
                              libraryMessage: message)
        case sentio_averror(EACCES):
            return MediaError(.openFailed, input: input, reason: "permission denied", libraryMessage: message)
        case sentio_averror(ETIMEDOUT):
            return MediaError(.stalled, input: input, reason: "the connection timed out", libraryMessage: message)
        case sentio_averror(EISDIR):
            return MediaError(.notMedia, input: input, reason: "is a directory, not a media file", libraryMessage: message)
        default:
            if message.localizedCaseInsensitiveContains("invalid data") || message.contains("moov atom") {
                return MediaError(.notMedia, input: input, reason: "is not a media file FFmpeg can read", libraryMessage: message)
            }
            return MediaError(.openFailed, input: input, reason: "cannot open: \(message)", libraryMessage: message)
        }
    }

    var streamCount: Int { Int(context?.pointee.nb_streams ?? 0) }

    func stream(_ index: Int) -> UnsafeMutablePointer<AVStream>? {
        guard let context, index >= 0, index < streamCount, let streams = context.pointee.streams else { return nil }
        return streams[index]
    }

    /// Seconds of the container's first timestamp (Sentio's time origin).
    var startTime: Double? {
        guard let context, context.pointee.start_time != FFmpeg.noPTS else { return nil }
        return Double(context.pointee.start_time) / FFmpeg.timeBase
    }

    var duration: Double? {
        guard let context, context.pointee.duration != FFmpeg.noPTS, context.pointee.duration > 0 else { return nil }
        return Double(context.pointee.duration) / FFmpeg.timeBase
    }

    /// The container and stream description, as `sentio probe` shows it.
    func info() -> MediaInfo {
        var streams: [MediaInfo.Stream] = []
        for index in 0..<streamCount {
            guard let stream = stream(index), let par = stream.pointee.codecpar else { continue }
            let kind: MediaInfo.StreamKind
            switch par.pointee.codec_type {
            case AVMEDIA_TYPE_AUDIO: kind = .audio
            case AVMEDIA_TYPE_VIDEO: kind = (stream.pointee.disposition & AV_DISPOSITION_ATTACHED_PIC) != 0 ? .attachment : .video
            case AVMEDIA_TYPE_SUBTITLE: kind = .subtitle
            case AVMEDIA_TYPE_DATA: kind = .data
            case AVMEDIA_TYPE_ATTACHMENT: kind = .attachment
            default: kind = .unknown
            }
            let codecName = String(cString: avcodec_get_name(par.pointee.codec_id))
            var entry = MediaInfo.Stream(
                index: index, kind: kind, codec: codecName,
                decodable: avcodec_find_decoder(par.pointee.codec_id) != nil,
                duration: FFmpeg.seconds(stream.pointee.duration, stream.pointee.time_base),
                bitRate: par.pointee.bit_rate > 0 ? Int(par.pointee.bit_rate) : nil,
                language: Self.metadata(stream.pointee.metadata, "language"),
                title: Self.metadata(stream.pointee.metadata, "title"))
            if kind == .audio {
                entry.sampleRate = Int(par.pointee.sample_rate)
                entry.channels = Int(par.pointee.ch_layout.nb_channels)
                if let name = av_get_sample_fmt_name(AVSampleFormat(rawValue: par.pointee.format)) {
                    entry.sampleFormat = String(cString: name)
                }
            } else if kind == .video {
                entry.width = Int(par.pointee.width)
                entry.height = Int(par.pointee.height)
                if let name = av_get_pix_fmt_name(AVPixelFormat(rawValue: par.pointee.format)) {
                    entry.pixelFormat = String(cString: name)
                }
                entry.frameRate = FFmpeg.double(stream.pointee.avg_frame_rate) ?? FFmpeg.double(stream.pointee.r_frame_rate)
            }
            streams.append(entry)
        }
        let format = context?.pointee.iformat
        return MediaInfo(
            input: input,
            format: format.flatMap { $0.pointee.name.map { String(cString: $0) } } ?? "unknown",
            formatDescription: format.flatMap { $0.pointee.long_name.map { String(cString: $0) } } ?? "",
            duration: duration, startTime: startTime,
            bitRate: (context?.pointee.bit_rate ?? 0) > 0 ? Int(context?.pointee.bit_rate ?? 0) : nil,
            streams: streams)
    }

    private static func metadata(_ dict: OpaquePointer?, _ key: String) -> String? {
        guard let dict, let entry = av_dict_get(dict, key, nil, 0), let value = entry.pointee.value else { return nil }
        let text = String(cString: value)
        return text.isEmpty || text == "und" ? nil : text
    }
}
