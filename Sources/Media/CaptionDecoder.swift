import CFFmpeg

/// Decodes one subtitle stream's packets into caption cues.
final class CaptionDecoder {
    let decoder: StreamDecoder

    init(decoder: StreamDecoder) { self.decoder = decoder }

    /// Cues in one packet; times in seconds on the input's own clock.
    func decode(_ packet: UnsafeMutablePointer<AVPacket>) -> [CaptionCue] {
        var subtitle = AVSubtitle()
        var got: Int32 = 0
        let code = avcodec_decode_subtitle2(decoder.codecContext, &subtitle, &got, packet)
        guard code >= 0, got != 0 else { return [] }
        defer { avsubtitle_free(&subtitle) }

        var lines: [String] = []
        for index in 0..<Int(subtitle.num_rects) {
            guard let rect = subtitle.rects?[index] else { continue }
            if let ass = rect.pointee.ass {
                lines.append(CaptionText.plain(fromASS: String(cString: ass)))
            } else if let text = rect.pointee.text {
                lines.append(CaptionText.normalize(String(cString: text)))
            }
        }
        let text = lines.filter { !$0.isEmpty }.joined(separator: " ")
        guard !text.isEmpty, let packetStart = FFmpeg.seconds(packet.pointee.pts, decoder.timeBase) else { return [] }

        // Packet timing is what the muxer stored; display offsets refine it when present.
        let start = packetStart + Double(subtitle.start_display_time) / 1000
        var end: Double
        if packet.pointee.duration > 0, let duration = FFmpeg.seconds(packet.pointee.duration, decoder.timeBase) {
            end = packetStart + duration
        } else if subtitle.end_display_time > 0 && subtitle.end_display_time != UInt32.max {
            end = packetStart + Double(subtitle.end_display_time) / 1000
        } else {
            end = start
        }
        end = max(end, start)
        return [CaptionCue(start: start, end: end, text: text, streamIndex: decoder.streamIndex)]
    }
}
