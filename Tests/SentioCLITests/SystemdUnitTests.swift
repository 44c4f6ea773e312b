import Foundation
import Testing

/// `systemd/sentio@.service`, checked by systemd's own tools.
@Suite("The systemd unit")
struct SystemdUnitTests {
    static let analyze = ["/usr/bin/systemd-analyze", "/bin/systemd-analyze"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }
    static let unit = CLI.repo.appendingPathComponent("systemd/sentio@.service")

    static func run(_ arguments: [String], in folder: URL) throws -> CLI.Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: analyze ?? "/usr/bin/systemd-analyze")
        process.arguments = arguments
        process.currentDirectoryURL = folder
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return CLI.Result(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                          stderr: String(decoding: stderr, as: UTF8.self))
    }

    /// A copy of the unit whose ExecStart runs the sentio binary just built (verify checks that
    /// the program exists), as the template and as instance `cam1`.
    static func copies() throws -> (folder: URL, names: [String]) {
        let text = try String(contentsOf: unit, encoding: .utf8)
        let line = "ExecStart=/usr/local/bin/sentio serve --config /etc/sentio/%i.toml"
        #expect(text.contains("\n" + line + "\n"))
        let built = text.replacingOccurrences(of: "ExecStart=/usr/local/bin/sentio ", with: "ExecStart=\(CLI.binary.path) ")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sentio-unit-\(UUID().uuidString)")
        try? FileManager.default.removeItem(at: folder)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let names = ["sentio@.service", "sentio@cam1.service"]
        for name in names { try built.write(to: folder.appendingPathComponent(name), atomically: true, encoding: .utf8) }
        return (folder, names)
    }

    @Test("systemd-analyze verify accepts sentio@.service without a single warning",
          .enabled(if: analyze != nil, "systemd-analyze is not installed (scripts/setup installs the systemd package)"))
    func verify() throws {
        let (folder, names) = try Self.copies()
        defer { try? FileManager.default.removeItem(at: folder) }
        for name in names {
            let result = try Self.run(["verify", "./" + name], in: folder)
            #expect(result.status == 0, "\(name): \(result.stdout)\(result.stderr)")
            #expect(result.stdout.isEmpty && result.stderr.isEmpty, "\(name): \(result.stdout)\(result.stderr)")
        }
    }

    @Test("The unit is Type=notify with a watchdog, restarts on failure and is hardened (exposure ≤ 2 by systemd-analyze security)",
          .enabled(if: analyze != nil, "systemd-analyze is not installed (scripts/setup installs the systemd package)"))
    func hardening() throws {
        let text = try String(contentsOf: Self.unit, encoding: .utf8)
        let lines = Set(text.split(separator: "\n").map(String.init))
        for required in ["Type=notify", "NotifyAccess=main", "WatchdogSec=30", "Restart=on-failure", "KillSignal=SIGTERM",
                         "DynamicUser=yes", "ProtectSystem=strict", "ProtectHome=yes", "NoNewPrivileges=yes", "PrivateTmp=yes",
                         "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6", "ExecReload=/bin/kill -HUP $MAINPID"] {
            #expect(lines.contains(required), "sentio@.service lacks \(required)")
        }
        let (folder, _) = try Self.copies()
        defer { try? FileManager.default.removeItem(at: folder) }
        let result = try Self.run(["security", "--offline=yes", "--no-pager", "./sentio@cam1.service"], in: folder)
        let summary = (result.stdout + result.stderr).split(separator: "\n").first { $0.contains("Overall exposure level") }
        let score = summary.flatMap { line in line.split(separator: ":").last?.split(separator: " ").first.flatMap { Double($0) } }
        #expect(score != nil && score! <= 2.0, "\(summary.map(String.init) ?? result.stderr)")
    }

    @Test("The example configuration names the stream its file is named after")
    func exampleConfiguration() throws {
        let text = try String(contentsOf: CLI.repo.appendingPathComponent("systemd/cam1.toml"), encoding: .utf8)
        #expect(text.contains("\nstream = \"cam1\"\n"))
        for key in ["input = ", "publish = ", "model = ", "[transcript]", "source = "] {
            #expect(text.contains("\n" + key), "cam1.toml lacks \(key)")
        }
    }
}
