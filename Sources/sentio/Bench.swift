import ArgumentParser

/// `sentio bench …`: each stage measured next to its reference on the same input, in one run.
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Benchmarks against reference tools, run side by side on the same input.",
        subcommands: [BenchIngest.self, BenchAcoustics.self, BenchEncoder.self, BenchVision.self, BenchTransport.self, BenchModel.self, BenchSpeech.self]
    )
}
