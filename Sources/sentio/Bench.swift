import ArgumentParser

/// `sentio bench <topic>`: opt-in benchmarks that print timings as JSON.
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a benchmark and print its timings as JSON.",
        subcommands: [BenchEncoder.self]
    )
}
