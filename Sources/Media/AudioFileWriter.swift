import CSndFile

/// Writes mono Float32 audio to a WAV file through libsndfile.
public enum AudioFileWriter {
    public enum Encoding: String, Sendable, CaseIterable {
        case float32 = "float"
        case pcm16
    }

    public static func writeWAV(_ samples: [Float], sampleRate: Int, to path: String,
                                encoding: Encoding = .float32) throws(MediaError) {
        var info = SF_INFO()
        info.samplerate = Int32(sampleRate)
        info.channels = 1
        info.format = Int32(SF_FORMAT_WAV) | Int32(encoding == .float32 ? SF_FORMAT_FLOAT : SF_FORMAT_PCM_16)
        guard let file = sf_open(path, Int32(SFM_WRITE), &info) else {
            let message = String(cString: sf_strerror(nil))
            throw MediaError(.writeFailed, input: path, reason: "cannot create the WAV file", libraryMessage: message)
        }
        // libsndfile clips float → PCM conversions instead of wrapping around.
        sf_command(file, Int32(SFC_SET_CLIPPING), nil, Int32(SF_TRUE))
        let written = samples.withUnsafeBufferPointer { sf_write_float(file, $0.baseAddress, sf_count_t($0.count)) }
        let closeCode = sf_close(file)
        if written != sf_count_t(samples.count) || closeCode != 0 {
            throw MediaError(.writeFailed, input: path,
                             reason: "wrote \(written) of \(samples.count) samples (disk full or not writable?)")
        }
    }

    /// Reads a sound file's samples mixed down to mono (for round-trip checks and tools).
    public static func readMono(path: String) throws(MediaError) -> (samples: [Float], sampleRate: Int) {
        var info = SF_INFO()
        guard let file = sf_open(path, Int32(SFM_READ), &info) else {
            throw MediaError(.notFound, input: path, reason: "libsndfile cannot open it", libraryMessage: String(cString: sf_strerror(nil)))
        }
        defer { sf_close(file) }
        let channels = Int(info.channels), frames = Int(info.frames)
        var interleaved = [Float](repeating: 0, count: frames * channels)
        let read = interleaved.withUnsafeMutableBufferPointer { sf_readf_float(file, $0.baseAddress, sf_count_t(frames)) }
        var mono = [Float](repeating: 0, count: Int(read))
        for frame in 0..<Int(read) {
            var sum: Float = 0
            for channel in 0..<channels { sum += interleaved[frame * channels + channel] }
            mono[frame] = sum / Float(channels)
        }
        return (mono, Int(info.samplerate))
    }
}
