import ArgumentParser
import Foundation
import Media

/// `sentio extract audio`: the decoded 16 kHz mono signal Sentio's acoustic stage reads.
struct ExtractAudio: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audio",
        abstract: "Decode an input's audio to 16 kHz mono.",
        discussion: """
        Examples:
          sentio extract audio interview.mp4 --raw interview.wav
          sentio extract audio udp://127.0.0.1:5000 --raw live.wav --timeout 5
        """)

    @Argument(help: "File path or URL.")
    var input: String

    @Option(help: "Write the decoded 16 kHz mono signal to this WAV file (libsndfile).")
    var raw: String?

    @Option(help: "Sample encoding of the WAV file: float or pcm16.")
    var encoding: String = "float"

    @OptionGroup var source: SourceArguments

    func validate() throws {
        guard raw != nil else { throw ValidationError("say where the audio goes: --raw OUT.wav") }
        guard AudioFileWriter.Encoding(rawValue: encoding) != nil else {
            throw ValidationError("--encoding must be float or pcm16")
        }
    }

    func run() async throws {
        guard let raw, let encoding = AudioFileWriter.Encoding(rawValue: encoding) else { return }
        let options = MediaReadOptions(audio: .speech, video: nil, captions: false, stallTimeout: source.stallTimeout,
                                       inputFormat: source.inputFormat, formatOptions: try source.parsedFormatOptions())
        let reader = MediaReader(input, options: options)
        var media: DecodedMedia
        var failure: MediaError?
        do {
            media = try await reader.readAll()
        } catch {
            // Keep what was decoded: a cut recording still yields its first part.
            media = error.partial ?? DecodedMedia()
            failure = error
        }
        if !media.audio.isEmpty || failure == nil {
            try AudioFileWriter.writeWAV(media.audio, sampleRate: media.sampleRate, to: raw, encoding: encoding)
            Log.standardError("wrote \(raw): \(media.audio.count) samples, "
                + String(format: "%.3f s at %d Hz", media.audioDuration, media.sampleRate))
        }
        if let failure { throw failure }
    }
}
