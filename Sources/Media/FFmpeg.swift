import CFFmpeg
import Foundation

/// Small helpers over the FFmpeg C API, internal to Media.
enum FFmpeg {
    /// FFmpeg's message for an error code (what av_err2str gives).
    static func message(_ code: Int32) -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        return buffer.withUnsafeMutableBufferPointer { raw in
            guard let base = raw.baseAddress else { return "error \(code)" }
            _ = sentio_av_err2str(code, base, raw.count)
            return String(cString: base)
        }
    }

    static let eof = sentio_averror_eof()
    static let again = sentio_averror_eagain()
    static let exit = sentio_averror_exit()
    static let noPTS = sentio_av_nopts_value()
    static let timeBase = Double(sentio_av_time_base())

    /// FFmpeg logs to stderr by default; Sentio reports errors itself, so the library is
    /// quiet unless SENTIO_FFMPEG_LOG=1 asks for its messages while debugging.
    static let configureLogging: Void = {
        let verbose = (getenvString("SENTIO_FFMPEG_LOG") ?? "") == "1"
        av_log_set_level(verbose ? AV_LOG_WARNING : AV_LOG_QUIET)
        avformat_network_init()
    }()

    static func seconds(_ ts: Int64, _ base: AVRational) -> Double? {
        guard ts != noPTS, base.den != 0 else { return nil }
        return Double(ts) * Double(base.num) / Double(base.den)
    }

    static func double(_ r: AVRational) -> Double? {
        guard r.den != 0, r.num != 0 else { return nil }
        return Double(r.num) / Double(r.den)
    }

    static func errnoCode(_ code: Int32) -> Int32 { -code }
}

private func getenvString(_ name: String) -> String? {
    guard let value = getenv(name) else { return nil }
    return String(cString: value)
}
