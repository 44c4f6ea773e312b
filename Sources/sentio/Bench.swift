import ArgumentParser

/// `sentio bench <topic>`: opt-in benchmarks that run Sentio and a reference side by side.
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Benchmarks of Sentio against reference tools on the same input.",
        subcommands: [BenchVision.self]
    )
}
