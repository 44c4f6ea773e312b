import ArgumentParser

/// The `sentio` command: one subcommand per stage and job (DESIGN.md §5).
@main
struct Sentio: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sentio",
        abstract: "Live multimodal sentiment analysis: decode, extract features, analyze, publish.",
        version: "0.1.0",
        subcommands: [Serve.self, Analyze.self, Probe.self, Extract.self, Embed.self, Train.self, Evaluate.self, Subscribe.self, Transcribe.self, Bench.self]
    )
}

/// `sentio extract audio|video`: per-stage feature extraction.
struct Extract: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Extract decoded media or features from an input.",
        subcommands: [ExtractAudio.self, ExtractVideo.self]
    )
}
