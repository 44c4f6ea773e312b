import Foundation
import Testing
import Transport

/// The daemon end to end: ffmpeg pushes the bundled sample over UDP in real time, `sentio
/// serve` analyses it with a sidecar transcript, and a real ZeroMQ subscriber listens.
@Suite("sentio serve, live", .serialized)
struct ServeTests {
    struct Cue { var start: Double; var end: Double; var text: String }

    /// The sample's caption track as a sidecar SRT (MPEG-TS cannot carry mov_text).
    static func sidecar(in folder: URL) throws -> (String, [Cue]) {
        let srt = folder.appendingPathComponent("sample.srt").path
        try Tool.run(["ffmpeg", "-v", "error", "-nostdin", "-y", "-i", CLI.sample, "-map", "0:s", srt])
        var cues: [Cue] = []
        let blocks = try String(contentsOfFile: srt, encoding: .utf8).components(separatedBy: "\n\n")
        for block in blocks {
            let lines = block.split(separator: "\n").map(String.init)
            guard lines.count >= 3, let arrow = lines[1].range(of: " --> ") else { continue }
            func seconds(_ s: Substring) -> Double {
                let f = s.replacingOccurrences(of: ",", with: ".").split(separator: ":").compactMap { Double($0) }
                return f.count == 3 ? f[0] * 3600 + f[1] * 60 + f[2] : -1
            }
            cues.append(Cue(start: seconds(lines[1][..<arrow.lowerBound]), end: seconds(lines[1][arrow.upperBound...]),
                            text: lines[2...].joined(separator: " ")))
        }
        return (srt, cues)
    }

    static func freePort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    struct Running {
        var daemon: Process
        var stderr: Pipe
        var endpoint: String
        var udp: String
        var metrics: String
    }

    /// A Prometheus scrape with a client no one here wrote (Python's urllib).
    static func scrape(_ address: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", "import sys,urllib.request;sys.stdout.write(urllib.request.urlopen('http://\(address)/metrics',timeout=5).read().decode())"]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return text
    }

    /// Starts `sentio serve ARGUMENTS…` from the repository root.
    static func launch(serve arguments: [String], stderr: FileHandle = .nullDevice) throws -> Process {
        let daemon = Process()
        daemon.executableURL = CLI.binary
        daemon.arguments = ["serve"] + arguments
        daemon.currentDirectoryURL = CLI.repo
        daemon.standardError = stderr
        try daemon.run()
        return daemon
    }

    static func startDaemon(srt: String) throws -> Running {
        let udp = "udp://127.0.0.1:\(freePort())"
        let endpoint = "tcp://127.0.0.1:\(freePort())"
        let metrics = "127.0.0.1:\(freePort())"
        let daemon = Process()
        daemon.executableURL = CLI.binary
        daemon.arguments = ["serve", "--input", udp, "--stream", "cam1", "--publish", endpoint, "--transcript", srt,
                            "--timeout", "2", "--heartbeat", "0.5", "--metrics", metrics]
        daemon.currentDirectoryURL = CLI.repo
        let stderr = Pipe()
        daemon.standardError = stderr
        daemon.standardOutput = FileHandle.nullDevice
        try daemon.run()
        return Running(daemon: daemon, stderr: stderr, endpoint: endpoint, udp: udp, metrics: metrics)
    }

    static func push(_ udp: String) throws -> Process {
        try Tool.start(["ffmpeg", "-v", "error", "-nostdin", "-re", "-i", CLI.sample, "-map", "0:v", "-map", "0:a",
                        "-c", "copy", "-f", "mpegts", udp])
    }

    /// Receives until `until` says stop or the deadline passes.
    static func collect(_ subscriber: Subscriber, seconds: Double,
                        until: ([UtteranceMessage], [StatusMessage]) -> Bool) async throws -> ([UtteranceMessage], [StatusMessage], [Double]) {
        var utterances: [UtteranceMessage] = [], statuses: [StatusMessage] = [], arrivals: [Double] = []
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline, !until(utterances, statuses) {
            guard let message = try? await subscriber.receive(timeout: .milliseconds(200)) else { continue }
            switch try Schema.decode(message.payload) {
            case .utterance(let u): utterances.append(u); arrivals.append(Date().timeIntervalSince1970)
            case .status(let s): statuses.append(s)
            }
        }
        return (utterances, statuses, arrivals)
    }

    @Test("Every utterance arrives in order, seq without gaps, times matching the cues within 50 ms; SIGTERM exits 0 with a final status")
    func liveStream() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sentio-serve-\(getpid())-1")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let (srt, cues) = try Self.sidecar(in: folder)
        #expect(cues.count == 3)
        let running = try Self.startDaemon(srt: srt)
        defer { if running.daemon.isRunning { kill(running.daemon.processIdentifier, SIGKILL) } }
        let subscriber = try Subscriber(running.endpoint, topics: ["sentio.cam1."])
        defer { subscriber.close() }
        // The daemon is up when its heartbeats arrive.
        let (_, early, _) = try await Self.collect(subscriber, seconds: 20) { _, s in !s.isEmpty }
        #expect(!early.isEmpty, "no heartbeat from the daemon")
        let sender = try Self.push(running.udp)
        defer { Tool.stop(sender) }
        let (utterances, statuses, _) = try await Self.collect(subscriber, seconds: 40) { u, _ in u.count >= 3 }
        #expect(utterances.map(\.seq) == [1, 2, 3])
        for (message, cue) in zip(utterances, cues) {
            #expect(abs(message.start - cue.start) < 0.05 && abs(message.end - cue.end) < 0.05,
                    "\(message.start)–\(message.end) vs \(cue.start)–\(cue.end)")
            #expect(message.text == cue.text)
            #expect(message.stream.value == "cam1" && message.model == "sentio-default")
        }
        #expect(utterances.first?.label == .positive && utterances.dropFirst().first?.label == .negative)
        // Latency from the moment the cue's end was played to publication: positive, and seconds
        // at most (mixed clocks would give years). A debug build on a loaded 2-core machine has
        // taken 1.7 s; the 150 ms target is checked by the release bench and PipelineTests.
        #expect(utterances.allSatisfy { $0.latencyMs > 0 && $0.latencyMs < 5000 }, "\(utterances.map(\.latencyMs))")
        #expect(statuses.contains { $0.state == .running })
        // Prometheus sees the same counts.
        let scraped = try Self.scrape(running.metrics)
        #expect(scraped.contains("sentio_utterances_total{stream=\"cam1\"} 3"), "\(scraped)")
        #expect(scraped.contains("sentio_utterance_latency_seconds_count{stream=\"cam1\"} 3"))

        kill(running.daemon.processIdentifier, SIGTERM)
        let (_, final, _) = try await Self.collect(subscriber, seconds: 10) { _, s in s.contains { $0.state == .stopped } }
        running.daemon.waitUntilExit()
        #expect(running.daemon.terminationStatus == 0)
        #expect(final.last?.state == .stopped)
        #expect(final.last?.counters.utterances == 3)
    }

    @Test("SIGTERM in the middle of an utterance: it is still published, the next one is not, exit 0")
    func drain() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sentio-serve-\(getpid())-2")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let (srt, cues) = try Self.sidecar(in: folder)
        let running = try Self.startDaemon(srt: srt)
        defer { if running.daemon.isRunning { kill(running.daemon.processIdentifier, SIGKILL) } }
        let subscriber = try Subscriber(running.endpoint, topics: ["sentio.cam1.utterance"])
        defer { subscriber.close() }
        try await Task.sleep(for: .seconds(3))  // model loaded, port bound
        let sender = try Self.push(running.udp)
        defer { Tool.stop(sender) }
        let (first, _, _) = try await Self.collect(subscriber, seconds: 30) { u, _ in !u.isEmpty }
        #expect(first.count == 1)
        // Utterance 1 is published at its end (cue 0's end); cue 1 starts 0.6 s later.
        // Half-way through cue 1, stop the daemon.
        // Utterance 1 reached us `latencyMs` after cue 0's end was played (seconds, on a loaded
        // machine with a debug build): count the wait from that end, not from its arrival.
        let midCue = (cues[1].start + cues[1].end) / 2 - cues[0].end
        let late = (first.first?.latencyMs ?? 0) / 1000
        try await Task.sleep(for: .milliseconds(Int64(max(midCue - late, 0) * 1000)))
        kill(running.daemon.processIdentifier, SIGTERM)
        let (rest, _, _) = try await Self.collect(subscriber, seconds: 10) { u, _ in u.count >= 2 }
        running.daemon.waitUntilExit()
        let log = String(decoding: running.stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(running.daemon.terminationStatus == 0)
        #expect(rest.map(\.seq) == [2], "the utterance in flight, and only it; first: \(first.map { ($0.start, $0.end, $0.time) }), daemon said: \(log)")
        #expect(rest.first?.text == cues[1].text)
    }

    @Test("The input is killed mid-stream and restarted: the daemon reconnects and goes on publishing")
    func reconnect() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sentio-serve-\(getpid())-3")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let (srt, _) = try Self.sidecar(in: folder)
        let running = try Self.startDaemon(srt: srt)
        defer { if running.daemon.isRunning { kill(running.daemon.processIdentifier, SIGKILL) } }
        let subscriber = try Subscriber(running.endpoint, topics: ["sentio.cam1."])
        defer { subscriber.close() }
        try await Task.sleep(for: .seconds(3))
        var sender = try Self.push(running.udp)
        let (first, _, _) = try await Self.collect(subscriber, seconds: 30) { u, _ in !u.isEmpty }
        #expect(first.count == 1)
        Tool.stop(sender)  // the source drops
        let (between, statuses, _) = try await Self.collect(subscriber, seconds: 15) { _, s in s.contains { $0.state == .reconnecting } }
        #expect(statuses.contains { $0.state == .reconnecting })
        sender = try Self.push(running.udp)
        defer { Tool.stop(sender) }
        let (after, later, _) = try await Self.collect(subscriber, seconds: 30) { u, _ in !u.isEmpty }
        // What was played before the drop is finished (the utterance in flight may be published
        // as the input drops); after the reconnect seq goes on without a gap or a restart.
        let all = (first + between + after).map(\.seq)
        #expect(!after.isEmpty && all == Array(1...UInt64(all.count)), "seq goes on across the reconnect: \(all)")
        let scraped = try Self.scrape(running.metrics)
        let reconnects = scraped.split(separator: "\n").first { $0.hasPrefix("sentio_reconnects_total{stream=\"cam1\"}") }
        #expect((reconnects?.split(separator: " ").last.flatMap { Double($0) } ?? 0) >= 1, "\(scraped)")
        #expect((later.last?.counters.reconnects ?? 0) >= 1 || statuses.contains { $0.counters.reconnects >= 1 })
        kill(running.daemon.processIdentifier, SIGTERM)
        running.daemon.waitUntilExit()
        #expect(running.daemon.terminationStatus == 0)
    }
}

/// Background tools for the daemon tests.
enum Tool {
    static func run(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
    }

    static func start(_ arguments: [String]) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    static func stop(_ process: Process) {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }
}

extension ServeTests {
    @Test("One process serves two streams from a [[streams]] config; file inputs end the daemon when done")
    func twoStreams() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sentio-serve-\(getpid())-4")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let endpoint = "tcp://127.0.0.1:\(Self.freePort())"
        let config = folder.appendingPathComponent("two.toml")
        try """
        # two recorded streams in one process
        publish = "\(endpoint)"
        heartbeat = 0.5

        [[streams]]
        stream = "left"
        input = "\(CLI.sample)"
        [streams.transcript]
        source = "captions"

        [[streams]]
        stream = "right"   # same file, another name
        input = "\(CLI.sample)"
        """.write(to: config, atomically: true, encoding: .utf8)
        let subscriber = try Subscriber(endpoint, topics: ["sentio."], options: .init(bind: false))
        defer { subscriber.close() }
        let daemon = try Self.launch(serve: ["--config", config.path, "--wait-for-subscriber", "10"])
        defer { if daemon.isRunning { kill(daemon.processIdentifier, SIGKILL) } }
        let (utterances, _, _) = try await Self.collect(subscriber, seconds: 30) { u, s in
            u.count >= 6 || s.filter { $0.state == .stopped }.count >= 2
        }
        daemon.waitUntilExit()
        #expect(daemon.terminationStatus == 0)
        let byStream = Dictionary(grouping: utterances, by: { $0.stream.value })
        #expect(byStream["left"]?.map(\.seq) == [1, 2, 3])
        #expect(byStream["right"]?.map(\.seq) == [1, 2, 3])
        #expect(byStream["left"]?.map(\.text) == byStream["right"]?.map(\.text))
    }

    @Test("A configuration with an unknown key is refused with its file and line")
    func badConfig() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("sentio-bad-\(getpid()).toml")
        try "stream = \"cam1\"\ninput = \"x.mp4\"\nframerate = 5\n".write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let result = try CLI.run(["serve", "--config", file.path])
        #expect(result.status != 0)
        #expect(result.stderr.contains("\(file.path):3: unknown key 'framerate'"), "\(result.stderr)")
    }
}

extension ServeTests {
    @Test("SIGHUP reloads the configuration (a renamed stream heartbeats under its new name); a broken edit is refused and the daemon goes on")
    func reload() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sentio-serve-\(getpid())-5")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let endpoint = "tcp://127.0.0.1:\(Self.freePort())"
        let udp = "udp://127.0.0.1:\(Self.freePort())"
        let config = folder.appendingPathComponent("cam.toml")
        func write(_ name: String) throws {
            try "stream = \"\(name)\"\ninput = \"\(udp)\"\npublish = \"\(endpoint)\"\nheartbeat = 0.3\ntimeout = 1.0\n"
                .write(to: config, atomically: true, encoding: .utf8)
        }
        try write("cam1")
        let subscriber = try Subscriber(endpoint, topics: ["sentio."])
        defer { subscriber.close() }
        let daemon = try Self.launch(serve: ["--config", config.path])
        defer { if daemon.isRunning { kill(daemon.processIdentifier, SIGKILL) } }
        let (_, before, _) = try await Self.collect(subscriber, seconds: 20) { _, s in s.contains { $0.stream.value == "cam1" } }
        #expect(before.contains { $0.stream.value == "cam1" })

        try write("cam2")
        kill(daemon.processIdentifier, SIGHUP)
        let (_, after, _) = try await Self.collect(subscriber, seconds: 20) { _, s in s.contains { $0.stream.value == "cam2" } }
        #expect(after.contains { $0.stream.value == "cam2" }, "heartbeats under the new name after SIGHUP")
        #expect(daemon.isRunning)

        try "stream = \"cam3\"\nthis is not toml\n".write(to: config, atomically: true, encoding: .utf8)
        kill(daemon.processIdentifier, SIGHUP)
        try await Task.sleep(for: .seconds(1))
        let (_, kept, _) = try await Self.collect(subscriber, seconds: 5) { _, s in s.count >= 3 }
        #expect(daemon.isRunning, "a broken configuration does not stop the daemon")
        #expect(kept.contains { $0.stream.value == "cam2" } && !kept.contains { $0.stream.value == "cam3" })

        kill(daemon.processIdentifier, SIGTERM)
        daemon.waitUntilExit()
        #expect(daemon.terminationStatus == 0)
    }
}

extension ServeTests {
    @Test("Windows from the ZeroMQ transcript feed: segments published by a peer become utterances; a malformed message is counted and skipped")
    func transcriptFeed() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sentio-serve-\(getpid())-6")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let (_, cues) = try Self.sidecar(in: folder)
        let feedEndpoint = "tcp://127.0.0.1:\(Self.freePort())"
        let feed = try Publisher(bind: feedEndpoint)
        defer { feed.close() }
        let udp = "udp://127.0.0.1:\(Self.freePort())"
        let endpoint = "tcp://127.0.0.1:\(Self.freePort())"
        let daemon = try Self.launch(serve: ["--input", udp, "--stream", "cam1", "--publish", endpoint,
                                             "--transcript", "feed:\(feedEndpoint)", "--timeout", "2", "--heartbeat", "0.5"])
        defer { if daemon.isRunning { kill(daemon.processIdentifier, SIGKILL) } }
        let subscriber = try Subscriber(endpoint, topics: ["sentio.cam1."])
        defer { subscriber.close() }
        #expect(try await feed.waitForSubscriber(for: "transcript", timeout: .seconds(20)), "the daemon subscribes to the feed")

        // A malformed message first, then the first two cues: one as a segment, one as words.
        _ = try feed.send(topic: "transcript", payload: Array("{\"start\": \"soon\"}".utf8))
        let first = "{\"start\": \(cues[0].start), \"end\": \(cues[0].end), \"text\": \"\(cues[0].text)\"}"
        _ = try feed.send(topic: "transcript", payload: Array(first.utf8))
        let words = cues[1].text.split(separator: " ")
        let step = (cues[1].end - cues[1].start) / Double(words.count)
        let wordJSON = words.enumerated().map { i, w in
            "{\"word\": \"\(w)\", \"start\": \(cues[1].start + Double(i) * step), \"end\": \(cues[1].start + Double(i + 1) * step)}"
        }.joined(separator: ", ")
        _ = try feed.send(topic: "transcript", payload: Array("{\"words\": [\(wordJSON)]}".utf8))

        let sender = try Self.push(udp)
        defer { Tool.stop(sender) }
        let (utterances, statuses, _) = try await Self.collect(subscriber, seconds: 30) { u, _ in u.count >= 2 }
        #expect(utterances.map(\.text) == [cues[0].text, cues[1].text])
        #expect(utterances.map(\.seq) == [1, 2])
        #expect(abs((utterances.last?.end ?? 0) - cues[1].end) < 0.05)
        #expect(statuses.last?.counters.rejected == 1, "the malformed message is counted")
        kill(daemon.processIdentifier, SIGTERM)
        daemon.waitUntilExit()
        #expect(daemon.terminationStatus == 0)
    }
}
