import Foundation
import KDNetKit
import KDNetTestSupport
import Testing

/// Hostile-input trial #15: text from files and the network must not reach the terminal
/// with its escape sequences live, in human output; JSON keeps it as it came.
@Suite struct TerminalEscapeTests {
    static let esc: UInt8 = 0x1B
    /// Retitles an xterm, then turns the text red.
    static let hostile = "\u{1B}]0;owned\u{07}\u{1B}[31m"
    static let shown = #"\x1b]0;owned\x07\x1b[31m"#

    static func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("escape-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Runs `script` in bash as a pasted line is run, with `$0`, `$1`... set to `args`.
    static func bash(_ script: String, _ args: String...) throws -> (status: Int32, stdout: Data) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = ["-c", script] + args
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, data)
    }

    static func noRawEscape(_ r: KdnetctlBinary.Result) -> Bool {
        !r.stdout.utf8.contains(esc) && !r.stderr.utf8.contains(esc)
    }

    @Test func dbgsettingsValues() throws {
        let pasted = "key                     1.2.3.4\ndebugtype               NET\nhostip                  10.0.0.1\(Self.hostile)\nport                    50000\nThe operation completed successfully.\n"
        let human = try KdnetctlBinary.run(["dbgsettings", "lint", "-", "--skip-host-check"], stdin: pasted)
        #expect(human.status == 1 && Self.noRawEscape(human) && human.stdout.contains(Self.shown), "\(human.stdout)")
        let json = try KdnetctlBinary.run(["dbgsettings", "lint", "-", "--skip-host-check", "--json"], stdin: pasted)
        #expect(json.stdout.contains(#"\u001b]0;owned\u0007\u001b[31m"#), "\(json.stdout)")
    }

    @Test func hexLineLabelsInInspect() throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("lines.txt")
        try Data("evil\(Self.hostile) 4d444247060100\n".utf8).write(to: file)
        let human = try KdnetctlBinary.run(["inspect", file.path, "--hex-lines", "--key", "1.1.1.1", "-v"])
        #expect(Self.noRawEscape(human) && human.stdout.contains("evil" + Self.shown), "\(human.stdout)")
        let (json, doc) = try KdnetctlBinary.json(["inspect", file.path, "--hex-lines", "--key", "1.1.1.1"])
        let record = (doc["records"] as? [[String: Any]])?.first
        #expect(json.stdout.contains(#"\u001b"#) && record?["label"] as? String == "evil" + Self.hostile)
        #expect(record?["status"] as? String == "unsupported_version")
    }

    @Test func targetNamesFromAListenerConfig() throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let k = try KdnetctlBinary.run(["key", "generate"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let inventory = dir.appendingPathComponent("fleet.csv")
        try Data("name,port\nlab-1,50002\n".utf8).write(to: inventory)
        // plan reads the listener.json it finds; a name with control characters in it is
        // refused, and the refusal quotes the name without letting it reach the terminal.
        func plan(_ extra: [String]) throws -> KdnetctlBinary.Result {
            let out = dir.appendingPathComponent("out-\(extra.count)")
            try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
            let config: [String: Any] = ["version": 1, "targets": [["name": "old" + Self.hostile, "port": 50001, "key": k]]]
            try JSONSerialization.data(withJSONObject: config).write(to: out.appendingPathComponent("listener.json"))
            return try KdnetctlBinary.run(["plan", "--inventory", inventory.path, "--out", out.path, "--host-ip", "10.0.0.1"] + extra)
        }
        let human = try plan([])
        #expect(human.status == 1 && Self.noRawEscape(human), "\(human.stderr)")
        #expect(human.stderr.contains(#"targets[0]: name 'old\x1b]0;owned\x07\x1b[31m'"#) && human.stderr.contains("is not usable as a file name"), "\(human.stderr)")
        let json = try plan(["--json"])
        let doc = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        #expect(json.status == 1 && (doc?["error"] as? String)?.contains("is not usable as a file name") == true, "\(json.stdout)")
        #expect(Self.noRawEscape(json))
    }

    /// A VM whose name holds ESC and U+202E: the commands vm check and vm fix print name it
    /// exactly when pasted into bash (in $'...' quoting), and nothing raw reaches the terminal.
    @Test func vmCommandsNameTheVMExactly() throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let name = "evil\(Self.hostile)\u{202E}vm"
        func config(_ id: Int, nic: String, ostype: String = "win10") throws -> String {
            let file = dir.appendingPathComponent("\(id).conf")
            try Data("boot: order=ide0\nmemory: 4096\nname: \(name)\nnet0: \(nic)=BC:24:11:AA:BB:0\(id % 10),bridge=vmbr0\nostype: \(ostype)\n".utf8).write(to: file)
            return file.path
        }
        let rtl = try config(201, nic: "rtl8139")
        /// The word after `prefix` in `text`, as printed.
        func word(in text: String, after prefix: String) -> String {
            text.components(separatedBy: prefix).dropFirst().first.map { String($0.prefix { $0 != " " && $0 != "\n" && $0 != "`" }) } ?? ""
        }
        let check = try KdnetctlBinary.run(["vm", "check", "201", "--proxmox-config", rtl])
        #expect(check.status == 1 && Self.noRawEscape(check) && !check.stdout.contains("\u{202E}"), "\(check.stdout)")
        let printed = word(in: check.stdout, after: "kdnetctl vm fix ")
        #expect(try Self.bash("printf %s " + printed).stdout == Data(name.utf8), "\(check.stdout)")
        // The printed command itself, run by bash, finds the VM by that name.
        let run = try Self.bash("exec \"$0\" vm check \(printed) --proxmox-config \"$1\" --json", try KdnetctlBinary.url.path, rtl)
        let doc = try JSONSerialization.jsonObject(with: run.stdout) as? [String: Any]
        #expect(run.status == 1 && (doc?["vm"] as? [String: Any])?["name"] as? String == name)

        // Nothing to fix: the note names the VM for `vm check`, pasteable as well.
        // (ostype other: Proxmox gives it no Hyper-V enlightenments, so no vendor id to add.)
        let good = try config(202, nic: "e1000e", ostype: "other")
        let fix = try KdnetctlBinary.run(["vm", "fix", "202", "--proxmox-config", good, "--windows", "19045"])
        #expect(Self.noRawEscape(fix) && !fix.stdout.contains("\u{202E}"), "\(fix.stdout)")
        #expect(try Self.bash("printf %s " + word(in: fix.stdout, after: "kdnetctl vm check ")).stdout == Data(name.utf8), "\(fix.stdout)")
    }

    /// A conversation's datagrams as `inspect --hex-lines` reads them: a target printing
    /// `lines` to a following host, in memory, no sockets.
    static func conversation(key: DebugKey, printing lines: [String]) -> String {
        let keys = KDNetKeys(key: key)
        var config = TargetSession.Configuration(keys: keys, target: SessionPump.targetAddress, host: SessionPump.hostAddress,
                                                 kernel: KernelVersion(major: 0x000F, build: 22631, kernelBase: 0xfffff800_12340000))
        config.bootMessages = lines
        var pump = SessionPump(host: HostSession(configuration: .init(keys: keys, mode: .follow)), target: TargetSession(configuration: config))
        pump.run(until: 30) { $0.target.record.debugPrints >= lines.count && $0.inFlight == 0 }
        return pump.wire.map { ($0.toHost ? "t " : "h ") + $0.bytes.hexString + "\n" }.joined()
    }

    @Test func debugPrintTextInInspect() throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("conversation.txt")
        try Data(Self.conversation(key: try DebugKey(parsing: "1.1.1.1"), printing: ["evil \(Self.hostile)title\u{9B}2J\n"]).utf8).write(to: file)
        let human = try KdnetctlBinary.run(["inspect", file.path, "--hex-lines", "--key", "1.1.1.1", "-v"])
        #expect(human.status == 0 && Self.noRawEscape(human), "\(human.stdout) \(human.stderr)")
        // C1 controls too (U+009B is a one-character CSI), which Swift's debug quoting let through.
        #expect(human.stdout.contains("\"evil \(Self.shown)title\\u{9b}2J\\n\""), "\(human.stdout)")
        #expect(!human.stdout.contains("\u{9B}"))
        let (_, doc) = try KdnetctlBinary.json(["inspect", file.path, "--hex-lines", "--key", "1.1.1.1"])
        let texts = (doc["records"] as? [[String: Any]] ?? []).compactMap { $0["text"] as? String }
        #expect(texts.contains("evil \(Self.hostile)title\u{9B}2J\n"))
    }

    /// DbgPrint text keeps its lines and tabs but loses its escapes.
    @Test func followedDebugOutput() throws {
        let port = UInt16(KdnetctlBinary.freeUDPPort())
        let keyText = try KdnetctlBinary.run(["key", "generate"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let listen = Process()
        listen.executableURL = try KdnetctlBinary.url
        listen.arguments = ["listen", "--port", "\(port)", "--key", keyText, "--bind", "127.0.0.1", "--follow", "--timeout", "8"]
        listen.environment = ["NO_COLOR": "1"]
        let out = Pipe()
        listen.standardOutput = out
        listen.standardError = FileHandle.nullDevice
        let printed = Printed()
        out.fileHandleForReading.readabilityHandler = { printed.append($0.availableData) }
        try listen.run()
        defer { if listen.isRunning { listen.terminate() }; listen.waitUntilExit() }

        // A target on 127.0.0.2 that pokes until answered, then prints three lines.
        let host = Endpoint("127.0.0.1", port: port)!, own = Endpoint("127.0.0.2", port: port)!
        var config = TargetSession.Configuration(keys: KDNetKeys(key: try DebugKey(parsing: keyText)), target: own, host: host,
                                                 kernel: KernelVersion(major: 0x000F, build: 22631, kernelBase: 0xfffff800_12340000))
        config.pokeInterval = 0.2
        config.bootMessages = ["plain line\n", "evil \(Self.hostile)title\n", "two\n\tlines\r\n"]
        var session = TargetSession(configuration: config)
        let socket = try UDPSocket(bind: Endpoint("127.0.0.2", port: port)!)
        let deadline = MonotonicClock.now() + 8
        var output = session.tick(at: MonotonicClock.now())
        while !printed.text.contains("lines\n"), MonotonicClock.now() < deadline {
            for d in output.datagrams { try socket.send(d.bytes, to: d.destination) }
            var pfd = pollfd(fd: socket.fd, events: Int16(POLLIN), revents: 0)
            let wait = max(0, min((session.nextDeadline ?? deadline) - MonotonicClock.now(), 0.1))
            _ = poll(&pfd, 1, Int32(wait * 1000))
            output = session.tick(at: MonotonicClock.now())
            while let (bytes, from) = socket.receive() {
                let step = session.receive(bytes, from: from, at: MonotonicClock.now())
                output.datagrams += step.datagrams
            }
        }
        listen.interrupt()
        listen.waitUntilExit()
        out.fileHandleForReading.readabilityHandler = nil
        let text = printed.text
        #expect(listen.terminationStatus == 0)
        #expect(text.contains("plain line\nevil " + Self.shown + "title\ntwo\n\tlines\n"), "\(text)")
        #expect(!text.utf8.contains(Self.esc))
    }
}

/// Standard output of a child, gathered as it arrives.
private final class Printed: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()
    func append(_ more: Data) { lock.lock(); data.append(more); lock.unlock() }
    var text: String { lock.lock(); defer { lock.unlock() }; return String(decoding: data, as: UTF8.self) }
}
