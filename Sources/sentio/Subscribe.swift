import ArgumentParser
import Dispatch
import Foundation
import Transport

/// `sentio subscribe ENDPOINT`: what a Sentio publisher sends, live, with gaps in `seq` reported.
struct Subscribe: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the utterances and status messages a Sentio publisher sends.",
        discussion: """
        Connects a ZeroMQ SUB socket to ENDPOINT and prints each sentio.v1 message: as JSON lines \
        (the payload as received, one per line) or as a compact live table. A jump in `seq` on a \
        topic is reported on stderr as it happens and in the summary printed on exit (SIGINT, \
        SIGTERM, --count or --timeout). Topic prefixes should end with '.': `sentio.cam1.` \
        selects cam1 only, `sentio.cam1` would also select cam10.

        Examples:
          sentio subscribe tcp://127.0.0.1:5556
          sentio subscribe tcp://10.0.0.5:5556 --topic sentio.cam1. --format table
          sentio subscribe ipc:///run/sentio/cam1/publish.sock --count 10 | jq .sentiment
        """)

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case jsonl, table
    }

    @Argument(help: "Publisher endpoint: tcp://HOST:PORT, ipc://PATH.")
    var endpoint: String

    @Option(name: .customLong("topic"), help: "Topic prefix to subscribe to (repeatable).")
    var topics: [String] = [Topic.root]

    @Option(help: "Output: jsonl or table.")
    var format: Format = .jsonl

    @Option(help: "Exit after this many messages.")
    var count: Int?

    @Option(help: "Exit when nothing arrives for this many seconds.")
    var timeout: Double?

    func validate() throws {
        if let count, count < 1 { throw ValidationError("--count must be at least 1") }
        if let timeout, !(timeout > 0) { throw ValidationError("--timeout must be a positive number of seconds") }
        if topics.isEmpty { throw ValidationError("give at least one --topic") }
    }

    func run() async throws {
        for topic in topics {
            let levels = topic.split(separator: ".", omittingEmptySubsequences: false)
            if levels.count == 2, levels[0] == "sentio", !levels[1].isEmpty {
                Log.standardError("note: --topic \(topic) also matches streams whose name starts with \"\(levels[1])\" "
                                  + "(e.g. \(topic)0.); use \(topic). for that stream alone")
            }
        }
        let subscriber = try Subscriber(endpoint, topics: topics)
        let signals = SignalCloser(subscriber: subscriber)
        defer { signals.cancel() }
        var tracker = SequenceTracker()
        let output = StandardOutput()
        if format == .table { output.line(TableRow.header) }
        var received = 0
        var timedOut = false
        let idle: Duration? = timeout.map { .milliseconds(Int64(($0 * 1000).rounded())) }
        do {
            while let message = try await subscriber.receive(timeout: idle) {
                received += 1
                handle(message, tracker: &tracker, output: output)
                if let count, received >= count { break }
            }
        } catch let error as TransportError where error.code == .timeout {
            timedOut = true
        }
        subscriber.close()
        Log.standardError(tracker.summary(endpoint: endpoint, reason: signals.signalName.map { "on \($0)" }
                                              ?? (timedOut ? "after \(timeout ?? 0) s without messages" : "after \(received) messages")))
    }

    private func handle(_ message: Message, tracker: inout SequenceTracker, output: StandardOutput) {
        let payload: Schema.Payload
        do {
            payload = try Schema.decode(message.payload)
        } catch {
            tracker.invalid += 1
            Log.standardError("\(message.topic): \(error)")
            return
        }
        if let gap = tracker.observe(topic: message.topic, seq: payload.seq) { Log.standardError(gap) }
        switch format {
        case .jsonl:
            if message.payload.contains(UInt8(ascii: "\n")),
               let object = try? JSONSerialization.jsonObject(with: Data(message.payload)),
               let compact = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) {
                output.line(String(decoding: compact, as: UTF8.self))
            } else {
                output.line(String(decoding: message.payload, as: UTF8.self))
            }
        case .table:
            output.line(TableRow.format(payload))
        }
    }
}

/// Per-topic `seq` bookkeeping: gaps (lost messages) and restarts (seq going back).
struct SequenceTracker {
    struct TopicState {
        var first: UInt64
        var last: UInt64
        var received = 0
        var gaps = 0
        var missing: UInt64 = 0
        var restarts = 0
    }

    var topics: [String: TopicState] = [:]
    var invalid = 0

    /// Records `seq` on `topic`; returns a notice when messages were lost or the publisher restarted.
    mutating func observe(topic: String, seq: UInt64) -> String? {
        guard var state = topics[topic] else {
            topics[topic] = TopicState(first: seq, last: seq, received: 1)
            return nil
        }
        defer { topics[topic] = state }
        state.received += 1
        let previous = state.last
        state.last = seq
        if seq == previous &+ 1 { return nil }
        if seq > previous {
            let lost = seq - previous - 1
            state.gaps += 1
            state.missing += lost
            let range = lost == 1 ? "seq \(previous + 1)" : "seq \(previous + 1)–\(seq - 1)"
            return "gap: \(topic) missing \(range) (\(lost) message\(lost == 1 ? "" : "s"))"
        }
        state.restarts += 1
        return "restart: \(topic) seq went from \(previous) back to \(seq) (publisher restarted?)"
    }

    func summary(endpoint: String, reason: String) -> String {
        let messages = topics.values.reduce(0) { $0 + $1.received }
        let gaps = topics.values.reduce(0) { $0 + $1.gaps }
        let missing = topics.values.reduce(UInt64(0)) { $0 + $1.missing }
        var lines = ["summary (\(endpoint), stopped \(reason)): \(messages) messages on \(topics.count) topic\(topics.count == 1 ? "" : "s"), "
                     + "\(gaps) gap\(gaps == 1 ? "" : "s") (\(missing) missing), \(invalid) invalid"]
        for (topic, state) in topics.sorted(by: { $0.key < $1.key }) {
            var line = "  \(topic): \(state.received) received, seq \(state.first)…\(state.last), \(state.gaps) gaps, \(state.missing) missing"
            if state.restarts > 0 { line += ", \(state.restarts) restarts" }
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }
}

/// The compact live table.
enum TableRow {
    static let header = pad("TIME", 8) + " " + pad("STREAM", 10) + " " + pad("SEQ", 6) + " " + pad("START", 8) + " "
        + pad("END", 8) + " " + pad("SENT", 5) + " " + pad("LABEL", 8) + " " + pad("T", 5) + " " + pad("A", 5) + " "
        + pad("V", 5) + " TEXT"

    static func format(_ payload: Schema.Payload) -> String {
        switch payload {
        case .utterance(let m):
            let text = m.text.map { $0.count > 60 ? String($0.prefix(59)) + "…" : $0 } ?? "(no transcript)"
            return pad(clock(m.time), 8) + " " + pad(m.stream.value, 10) + " " + pad("\(m.seq)", 6) + " "
                + pad(String(format: "%.2f", m.start), 8) + " " + pad(String(format: "%.2f", m.end), 8) + " "
                + pad(score(m.sentiment), 5) + " " + pad(m.label.rawValue, 8) + " " + pad(score(m.modalities.text.score), 5) + " "
                + pad(score(m.modalities.audio.score), 5) + " " + pad(score(m.modalities.vision.score), 5) + " " + text
        case .status(let m):
            let c = m.counters
            return pad(clock(m.time), 8) + " " + pad(m.stream.value, 10) + " " + pad("\(m.seq)", 6) + " status "
                + "\(m.state.rawValue): utterances \(c.utterances), dropped \(c.dropped), unscored \(c.unscored), reconnects \(c.reconnects), "
                + "rejected \(c.rejected), up \(Int(m.uptime)) s"
        }
    }

    static func score(_ value: Double?) -> String {
        guard let value else { return "-" }
        return String(format: "%+.2f", value)
    }

    static func clock(_ time: Double) -> String {
        let seconds = Int(time.rounded(.down)) % 86_400
        return String(format: "%02d:%02d:%02d", seconds / 3600, seconds / 60 % 60, seconds % 60)
    }

    static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }
}

/// Lines to stdout, written at once so a pipe sees each message as it arrives.
struct StandardOutput {
    func line(_ text: String) {
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }
}

/// Closes the subscriber on SIGINT or SIGTERM so the command ends its loop and prints its summary.
final class SignalCloser: @unchecked Sendable {
    private var sources: [DispatchSourceSignal] = []
    private let lock = NSLock()
    private var name: String?

    init(subscriber: Subscriber) {
        for (number, name) in [(SIGINT, "SIGINT"), (SIGTERM, "SIGTERM")] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [weak self] in
                self?.lock.withLock { self?.name = self?.name ?? name }
                subscriber.close()
            }
            source.resume()
            sources.append(source)
        }
    }

    var signalName: String? { lock.withLock { name } }

    func cancel() { for source in sources { source.cancel() } }
}
