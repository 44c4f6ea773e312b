import CFFmpeg

/// An opened decoder for one stream. Owned by the decoding thread.
final class StreamDecoder {
    let streamIndex: Int
    let codecContext: UnsafeMutablePointer<AVCodecContext>
    let timeBase: AVRational

    init(source: InputSource, streamIndex: Int, threads: Int) throws(MediaError) {
        guard let stream = source.stream(streamIndex), let par = stream.pointee.codecpar else {
            throw MediaError(.openFailed, input: source.input, reason: "stream \(streamIndex) does not exist")
        }
        let codecName = String(cString: avcodec_get_name(par.pointee.codec_id))
        guard let codec = avcodec_find_decoder(par.pointee.codec_id) else {
            throw MediaError(.unsupportedCodec, input: source.input,
                             reason: "stream \(streamIndex) uses codec '\(codecName)', which this FFmpeg build cannot decode")
        }
        guard let context = avcodec_alloc_context3(codec) else {
            throw MediaError(.openFailed, input: source.input, reason: "cannot allocate a decoder for stream \(streamIndex)")
        }
        var ctx: UnsafeMutablePointer<AVCodecContext>? = context
        var code = avcodec_parameters_to_context(context, par)
        if code >= 0 {
            context.pointee.pkt_timebase = stream.pointee.time_base
            context.pointee.thread_count = Int32(threads)
            code = avcodec_open2(context, codec, nil)
        }
        if code < 0 {
            avcodec_free_context(&ctx)
            throw MediaError(.unsupportedCodec, input: source.input,
                             reason: "cannot open the '\(codecName)' decoder for stream \(streamIndex)",
                             libraryMessage: FFmpeg.message(code))
        }
        self.streamIndex = streamIndex
        self.codecContext = context
        self.timeBase = stream.pointee.time_base
    }

    deinit {
        var ctx: UnsafeMutablePointer<AVCodecContext>? = codecContext
        avcodec_free_context(&ctx)
    }

    /// Sends a packet (nil flushes) and hands every frame it yields to `body`.
    /// Returns FFmpeg's error code for a packet the decoder rejects (decoding goes on).
    @discardableResult
    func decode(_ packet: UnsafeMutablePointer<AVPacket>?, frame: UnsafeMutablePointer<AVFrame>,
                _ body: (UnsafeMutablePointer<AVFrame>) throws(MediaError) -> Void) throws(MediaError) -> Int32 {
        let sendCode = avcodec_send_packet(codecContext, packet)
        if sendCode < 0 && sendCode != FFmpeg.eof && sendCode != FFmpeg.again { return sendCode }
        while true {
            let code = avcodec_receive_frame(codecContext, frame)
            if code == FFmpeg.again || code == FFmpeg.eof { return 0 }
            if code < 0 { return code }
            defer { av_frame_unref(frame) }
            try body(frame)
        }
    }
}

/// Converts decoded audio frames of any rate, layout and sample format to mono Float32
/// at the configured rate, and keeps the output's timeline.
final class AudioResampler {
    private var swr: OpaquePointer?
    private var inputSignature: (rate: Int32, format: Int32, channels: Int32, order: UInt32) = (0, -1, 0, 0)
    let outputRate: Int32
    private var timelineStart: Double?
    private var emitted: Int = 0

    init(outputRate: Int) { self.outputRate = Int32(outputRate) }

    deinit { swr_free(&swr) }

    /// Resamples one frame; `time` is the frame's presentation time in seconds.
    func convert(_ frame: UnsafeMutablePointer<AVFrame>, time: Double?, input: String) throws(MediaError) -> AudioChunk? {
        try configure(for: frame, input: input)
        let delayBefore = Double(swr_get_delay(swr, Int64(outputRate))) / Double(outputRate)
        let capacity = Int(swr_get_out_samples(swr, frame.pointee.nb_samples)) + 32
        guard capacity > 0 else { return nil }
        var samples = [Float](repeating: 0, count: capacity)
        let produced: Int32 = samples.withUnsafeMutableBytes { raw in
            var out: UnsafeMutablePointer<UInt8>? = raw.baseAddress?.assumingMemoryBound(to: UInt8.self)
            let inData = UnsafeMutableRawPointer(frame.pointee.extended_data)?
                .assumingMemoryBound(to: UnsafePointer<UInt8>?.self)
            return swr_convert(swr, &out, Int32(capacity), inData, frame.pointee.nb_samples)
        }
        if produced < 0 {
            throw MediaError(.readFailed, input: input, reason: "audio resampling failed", libraryMessage: FFmpeg.message(produced))
        }
        guard produced > 0 else { return nil }
        samples.removeLast(capacity - Int(produced))
        return AudioChunk(startTime: place(time.map { $0 - delayBefore }, count: Int(produced)),
                          sampleRate: Int(outputRate), samples: samples)
    }

    /// Drains the resampler's internal delay at the end of the input.
    func flush(input: String) -> AudioChunk? {
        guard swr != nil else { return nil }
        let capacity = Int(swr_get_delay(swr, Int64(outputRate))) + 64
        var samples = [Float](repeating: 0, count: capacity)
        let produced: Int32 = samples.withUnsafeMutableBytes { raw in
            var out: UnsafeMutablePointer<UInt8>? = raw.baseAddress?.assumingMemoryBound(to: UInt8.self)
            return swr_convert(swr, &out, Int32(capacity), nil, 0)
        }
        guard produced > 0 else { return nil }
        samples.removeLast(capacity - Int(produced))
        return AudioChunk(startTime: place(nil, count: Int(produced)), sampleRate: Int(outputRate), samples: samples)
    }

    /// Output times follow the sample count, so chunks tile without jitter; a jump in the
    /// input's timestamps of more than 40 ms (a gap in a live stream) restarts the timeline.
    private func place(_ time: Double?, count: Int) -> Double {
        let expected = timelineStart.map { $0 + Double(emitted) / Double(outputRate) }
        let start: Double
        if let expected, time == nil || abs(time! - expected) <= 0.04 {
            start = expected
        } else {
            start = time ?? 0
            timelineStart = start
            emitted = 0
        }
        emitted += count
        return start
    }

    private func configure(for frame: UnsafeMutablePointer<AVFrame>, input: String) throws(MediaError) {
        let layout = frame.pointee.ch_layout
        let signature = (frame.pointee.sample_rate, frame.pointee.format, layout.nb_channels, layout.order.rawValue)
        if swr != nil && signature == inputSignature { return }
        swr_free(&swr)
        var inLayout = frame.pointee.ch_layout
        if inLayout.order == AV_CHANNEL_ORDER_UNSPEC {
            av_channel_layout_default(&inLayout, inLayout.nb_channels)
        }
        var outLayout = sentio_av_channel_layout_mono()
        var context: OpaquePointer?
        var code = swr_alloc_set_opts2(&context, &outLayout, AV_SAMPLE_FMT_FLT, outputRate,
                                       &inLayout, AVSampleFormat(rawValue: frame.pointee.format), frame.pointee.sample_rate,
                                       0, nil)
        if code >= 0 { code = swr_init(context) }
        if code < 0 {
            swr_free(&context)
            throw MediaError(.readFailed, input: input,
                             reason: "cannot resample audio of \(frame.pointee.sample_rate) Hz, \(layout.nb_channels) channels",
                             libraryMessage: FFmpeg.message(code))
        }
        swr = context
        inputSignature = signature
    }
}

/// Scales decoded video frames to the configured size and pixel format, and picks frames
/// for a requested output rate.
final class VideoScaler {
    private var sws: OpaquePointer?
    let format: VideoFormat
    private var delivered = 0
    private var nextTick: Double?

    /// Half a source frame: how early a frame may be and still stand for an output tick.
    private let tolerance: Double

    init(format: VideoFormat, sourceFrameRate: Double?) {
        self.format = format
        self.tolerance = 0.5 / max(sourceFrameRate ?? 30, 1)
    }

    deinit { sws_freeContext(sws) }

    /// Output size for a source size: explicit sizes win; one given side keeps the aspect.
    static func outputSize(source: (Int, Int), format: VideoFormat) -> (Int, Int) {
        let (sw, sh) = source
        switch (format.width, format.height) {
        case let (w?, h?): return (w, h)
        case let (w?, nil): return (w, max(1, Int((Double(w) * Double(sh) / Double(max(sw, 1))).rounded())))
        case let (nil, h?): return (max(1, Int((Double(h) * Double(sw) / Double(max(sh, 1))).rounded())), h)
        default: return (sw, sh)
        }
    }

    /// Whether a frame at `time` is delivered at the requested rate (drop-only).
    func wants(time: Double) -> Bool {
        guard let rate = format.frameRate, rate > 0 else { return true }
        let period = 1 / rate
        guard let tick = nextTick else {
            nextTick = time + period
            return true
        }
        // Keep the frame nearest each tick: the first one within half a source frame of it.
        if time >= tick - tolerance {
            var next = tick + period
            while next <= time { next += period }
            nextTick = next
            return true
        }
        return false
    }

    func scale(_ frame: UnsafeMutablePointer<AVFrame>, time: Double, input: String) throws(MediaError) -> VideoFrame {
        let sw = Int(frame.pointee.width), sh = Int(frame.pointee.height)
        let (dw, dh) = Self.outputSize(source: (sw, sh), format: format)
        let dstFormat = format.pixelFormat == .gray8 ? AV_PIX_FMT_GRAY8 : AV_PIX_FMT_RGB24
        sws = sws_getCachedContext(sws, Int32(sw), Int32(sh), AVPixelFormat(rawValue: frame.pointee.format),
                                   Int32(dw), Int32(dh), dstFormat, SWS_BILINEAR, nil, nil, nil)
        guard let sws else {
            throw MediaError(.readFailed, input: input, reason: "cannot scale \(sw)×\(sh) video to \(dw)×\(dh)")
        }
        let stride = dw * format.pixelFormat.bytesPerPixel
        var pixels = [UInt8](repeating: 0, count: stride * dh)
        let code: Int32 = pixels.withUnsafeMutableBufferPointer { out in
            var dstData: [UnsafeMutablePointer<UInt8>?] = [out.baseAddress, nil, nil, nil]
            var dstStride: [Int32] = [Int32(stride), 0, 0, 0]
            return withUnsafePointer(to: &frame.pointee.data) { dataTuple in
                withUnsafePointer(to: &frame.pointee.linesize) { lineTuple in
                    dataTuple.withMemoryRebound(to: UnsafePointer<UInt8>?.self, capacity: 8) { srcData in
                        lineTuple.withMemoryRebound(to: Int32.self, capacity: 8) { srcStride in
                            sws_scale(sws, srcData, srcStride, 0, Int32(sh), &dstData, &dstStride)
                        }
                    }
                }
            }
        }
        if code < 0 {
            throw MediaError(.readFailed, input: input, reason: "video scaling failed", libraryMessage: FFmpeg.message(code))
        }
        defer { delivered += 1 }
        return VideoFrame(index: delivered, time: time, width: dw, height: dh, pixelFormat: format.pixelFormat, pixels: pixels)
    }
}
