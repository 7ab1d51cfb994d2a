import Foundation
import KDNetKit

/// The lab service at lab scale, over loopback: one `kdnetctl serve` for 500 targets on
/// ports 50000-50499 (bound to 127.0.0.1, with --http and --log-dir as the Debian unit
/// runs it), against a simulated fleet inside this process. Goals:
///
/// - every target confirmed (version read, continued) within 5 s of its first poke, all
///   499 of the rest poking at once after one alone (the baseline);
/// - peak memory (VmHWM) under 96 MiB;
/// - no CPU while idle: 3 s of a fleet that sends nothing, after start-up;
/// - the status API and page answer in under 50 ms while all 500 stream DbgPrint.
///
/// 500 `simulate-target` processes would be 500 Swift runtimes on two cores, measuring
/// the machine rather than serve, so the fleet is 500 `TargetSession`s here: each with
/// its own key and its own socket at 127.0.0.2:PORT (a target sends from the port it
/// sends to, so host and fleet need their own loopback addresses), all on one thread
/// and one poll(2). Every loop that sends is bounded by time.
enum ServeBenchmark {
    static let basePort = 50000
    static let targets = 500
    static let streamSeconds = 10.0
    /// Lines each target prints per second while streaming (5,000 lines/s for the fleet).
    static let printsPerSecond = 10.0
    static let requestsPerPath = 50
    static let hostAddress = IPAddress("127.0.0.1")!
    static let fleetAddress = IPAddress("127.0.0.2")!

    static func run() throws -> [Figure] {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kdnetctl-bench-serve-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let keys = (0..<targets).map { _ in DebugKey.generate() }
        let config = ListenerConfig(hostIp: hostAddress.description, targets: keys.enumerated().map { i, k in
            .init(name: "t\(i)", port: UInt16(basePort + i), key: k.text)
        })
        let configURL = dir.appendingPathComponent("listener.json")
        try config.write(to: configURL)
        let logDir = dir.appendingPathComponent("logs")
        let httpPort = try freeTCPPort()
        // The fleet's sockets first: a port that is taken fails here, not halfway through.
        let fleet = try Fleet(keys: keys)

        let stderrURL = dir.appendingPathComponent("serve.err")
        let serve = Spawn.start(Spawn.kdnetctl, ["serve", "--config", configURL.path, "--bind", hostAddress.description,
                                                 "--http", "127.0.0.1:\(httpPort)", "--log-dir", logDir.path, "--json"],
                                stderr: stderrURL.path)
        var stopped = false
        defer { if !stopped { kill(serve.pid, SIGKILL); _ = Spawn.wait(serve) } }
        guard waitForLine(#""event":"ready""#, in: stderrURL, seconds: 60) else {
            print("serve did not get ready: \((try? String(contentsOf: stderrURL, encoding: .utf8))?.suffix(600) ?? "")")
            return [Figure(name: "serve: ready with \(targets) targets", value: 0, unit: "", goal: "ready", met: false)]
        }
        let readyMs = Double(Measure.now() - serve.started) / 1e6
        let startupCPUms = ProcStat.cpuSeconds(serve.pid) * 1000
        let readyRSS = ProcStat.memoryKiB(serve.pid, "VmRSS")
        print("serve ready on \(targets) ports after \(Measure.format(readyMs)) ms, \(Measure.format(startupCPUms)) ms CPU, \(readyRSS / 1024) MiB resident")
        let limits = DescriptorLimit.System.process.get()
        let fdLine = ((try? String(contentsOf: stderrURL, encoding: .utf8)) ?? "").split(separator: "\n").first { $0.contains(#""event":"fd-limit""#) }
        print("open-file limit here: soft \(limits.soft), hard \(limits.hard); serve needs \(DescriptorBudget(ports: targets, bind: hostAddress, logFiles: true, httpConnections: LabHTTPServer.Limits().connections).needed): \(fdLine.map(String.init) ?? "no raise needed")")

        // Idle: nothing arrives for 3 s, after half a second for start-up to settle. Run
        // time from the scheduler (every thread's, in ns): /proc's ticks are 10 ms.
        usleep(500_000)
        let idleStart = ProcStat.runNanoseconds(serve.pid)
        usleep(3_000_000)
        let idleCPUms = Double(ProcStat.runNanoseconds(serve.pid) - idleStart) / 1e6
        print("idle serve, \(targets) ports, 3 s: \(Measure.format(idleCPUms)) ms CPU (start-up took \(Measure.format(startupCPUms)) ms)")

        // The status API with nothing streaming: the baseline of the latency figures.
        let idleAPI = (0..<20).map { _ in HTTPProbe.get("/api/targets", port: httpPort) }
        let idlePage = (0..<20).map { _ in HTTPProbe.get("/", port: httpPort) }
        print("idle status API: /api/targets median \(Measure.format(HTTPProbe.median(idleAPI))) ms (\(idleAPI.first?.bytes ?? 0) bytes), / median \(Measure.format(HTTPProbe.median(idlePage))) ms (\(idlePage.first?.bytes ?? 0) bytes)")

        let thread = Thread { fleet.run() }
        thread.name = "kdnetctl-bench-fleet"
        thread.start()
        guard fleet.streaming.wait(timeout: .now() + 120) == .success else { fatalError("the fleet never started streaming") }
        let streamCPUStart = ProcStat.cpuSeconds(serve.pid)
        let times = fleet.confirmTimes
        let confirmed = times.compactMap { $0 }
        let worst = confirmed.count == targets ? (confirmed.max() ?? .infinity) : .infinity
        print("1 target alone: poke to confirmed in \(Measure.format(fleet.soloMs)) ms (the baseline)")
        print("\(targets - 1) more poking at once: \(confirmed.count) of \(targets) confirmed; median \(Measure.format(confirmed.isEmpty ? .infinity : Measure.median(confirmed))) ms, slowest \(Measure.format(worst)) ms from the first poke")
        // serve's own view: every target connected with its build, asked again for up to a second.
        var served: [[String: Any]] = [], servedConfirmed = 0
        for _ in 0..<10 {
            served = HTTPProbe.targets(HTTPProbe.get("/api/targets", port: httpPort).body)
            servedConfirmed = served.filter { ($0["state"] as? String) == "connected" && $0["build"] is Int }.count
            if servedConfirmed == targets { break }
            usleep(100_000)
        }
        let states = Dictionary(grouping: served, by: { "\($0["state"] as? String ?? "?")\($0["build"] is Int ? "+build" : "")" }).mapValues(\.count)
        print("serve's /api/targets: \(servedConfirmed) of \(served.count) connected with their build (\(states.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")))")

        // Under load: sequential requests spread over the stream, from its second second on.
        let settle = fleet.streamEnd - ServeBenchmark.streamSeconds + 1 - MonotonicClock.now()
        if settle > 0 { usleep(UInt32(settle * 1e6)) }
        var api: [HTTPProbe.Result] = [], page: [HTTPProbe.Result] = []
        let stopAsking = fleet.streamEnd - 0.3
        while (api.count < requestsPerPath || page.count < requestsPerPath), MonotonicClock.now() < stopAsking {
            if api.count < requestsPerPath { api.append(HTTPProbe.get("/api/targets", port: httpPort)) }
            if page.count < requestsPerPath { page.append(HTTPProbe.get("/", port: httpPort)) }
            usleep(40_000)
        }
        let wait = fleet.streamEnd - MonotonicClock.now()
        if wait > 0 { usleep(UInt32(wait * 1e6)) }
        let streamCPU = ProcStat.cpuSeconds(serve.pid) - streamCPUStart
        fleet.done.wait()
        let failed = (api + page).filter { $0.status != 200 }.count
        let apiMax = api.map(\.ms).max() ?? .infinity, pageMax = page.map(\.ms).max() ?? .infinity
        print("while streaming: \(api.count) GET /api/targets median \(Measure.format(HTTPProbe.median(api))) ms, max \(Measure.format(apiMax)) ms; \(page.count) GET / median \(Measure.format(HTTPProbe.median(page))) ms, max \(Measure.format(pageMax)) ms; \(failed) not 200")

        let peak = ProcStat.memoryKiB(serve.pid, "VmHWM")
        kill(serve.pid, SIGTERM)
        let exit = Spawn.wait(serve)
        stopped = true
        let logged = countLines(containing: Fleet.marker, in: logDir)
        let offered = Double(fleet.printed) / streamSeconds
        let handled = Double(logged) / streamSeconds
        print("load: the fleet printed \(fleet.printed) lines in \(Measure.format(streamSeconds)) s (\(Measure.format(offered)) lines/s, \(fleet.skipped) prints skipped behind an unacknowledged one), using \(Measure.format(fleet.cpuSeconds)) s CPU itself")
        print("serve logged \(logged) of them (\(Measure.format(handled)) lines/s) using \(Measure.format(streamCPU)) s CPU (\(Measure.format(streamCPU / streamSeconds * 100)) % of a core); peak \(peak / 1024) MiB (\(readyRSS / 1024) MiB when ready); exit \(exit.status)")

        return [
            Figure(name: "serve: targets confirmed", value: Double(confirmed.count), unit: "targets (serve's API: \(servedConfirmed))", goal: "\(targets)",
                   met: confirmed.count == targets && servedConfirmed == targets),
            Figure(name: "serve: slowest confirmation, \(targets) targets", value: worst, unit: "ms from first poke (1 alone: \(Measure.format(fleet.soloMs)) ms)",
                   goal: "<= 5000 ms", met: worst <= 5000),
            Figure(name: "serve: peak memory, \(targets) targets", value: Double(peak) / 1024, unit: "MiB VmHWM (\(readyRSS / 1024) MiB when ready)",
                   goal: "< 96 MiB", met: peak < 96 * 1024),
            Figure(name: "serve: CPU while idle 3 s", value: idleCPUms, unit: "ms (start-up: \(Measure.format(startupCPUms)) ms)",
                   goal: "< 20 ms (no polling)", met: idleCPUms < 20),
            Figure(name: "serve: GET /api/targets while streaming, max", value: apiMax,
                   unit: "ms (median \(Measure.format(HTTPProbe.median(api))), idle median \(Measure.format(HTTPProbe.median(idleAPI))))",
                   goal: "< 50 ms", met: apiMax < 50 && api.count == requestsPerPath && failed == 0),
            Figure(name: "serve: GET / while streaming, max", value: pageMax,
                   unit: "ms (median \(Measure.format(HTTPProbe.median(page))), idle median \(Measure.format(HTTPProbe.median(idlePage))))",
                   goal: "< 50 ms", met: pageMax < 50 && page.count == requestsPerPath && failed == 0),
            Figure(name: "serve: DbgPrint lines logged", value: handled, unit: "lines/s (fleet sent \(Measure.format(offered))/s)",
                   goal: "all sent", met: logged == fleet.acknowledged && logged > 0),
            Figure(name: "serve: stops on SIGTERM", value: Double(exit.status), unit: "exit status", goal: "0", met: exit.status == 0),
        ]
    }

    // MARK: the fleet

    /// 500 simulated targets on one thread: one pokes alone first (the baseline), then
    /// the rest at once; once every one is confirmed (or after 30 s) all print for
    /// `streamSeconds`, a tenth of the fleet every tenth of a print interval, so the load
    /// is even rather than 500 lines at one instant; then a second to drain, and it ends.
    final class Fleet: @unchecked Sendable {
        static let marker = "bench-dbgprint"
        struct Member {
            var session: TargetSession
            let socket: UDPSocket
            var started = false
            var firstPokeAt: SessionTime = 0
            var continuedAt: SessionTime?
        }

        private var members: [Member]
        private var pollfds: [pollfd]
        private let buffer = ReceiveBuffer()
        /// Signalled once every target is confirmed (or the wait gave up) and printing starts.
        let streaming = DispatchSemaphore(value: 0)
        let done = DispatchSemaphore(value: 0)
        // Written by the fleet's thread before the semaphores above are signalled.
        private(set) var soloMs = Double.infinity
        private(set) var confirmTimes: [Double?] = []
        private(set) var streamEnd: SessionTime = .infinity
        private(set) var printed = 0
        private(set) var skipped = 0
        private(set) var acknowledged = 0
        private(set) var cpuSeconds = 0.0
        private var confirmed = 0
        private var earliest: SessionTime = .infinity

        init(keys: [DebugKey]) throws {
            members = try keys.enumerated().map { i, key in
                let port = UInt16(ServeBenchmark.basePort + i)
                let own = Endpoint(address: ServeBenchmark.fleetAddress, port: port)
                var config = TargetSession.Configuration(keys: KDNetKeys(key: key), target: own,
                                                         host: Endpoint(address: ServeBenchmark.hostAddress, port: port),
                                                         kernel: .simulated(machine: 0x8664, build: 22621))
                config.pokeInterval = 3
                return Member(session: TargetSession(configuration: config), socket: try UDPSocket(bind: own))
            }
            pollfds = members.map { pollfd(fd: $0.socket.fd, events: Int16(POLLIN), revents: 0) }
        }

        func run() {
            let cpuStart = Measure.threadCPU()
            defer { cpuSeconds = Double(Measure.threadCPU() - cpuStart) / 1e9; done.signal() }
            let soloStart = MonotonicClock.now()
            start(0, at: soloStart)
            loop(until: soloStart + 10) { confirmed == 1 }
            soloMs = members[0].continuedAt.map { ($0 - soloStart) * 1000 } ?? .infinity
            let fleetStart = MonotonicClock.now()
            for i in members.indices.dropFirst() { start(i, at: fleetStart) }
            loop(until: fleetStart + 30) { confirmed == members.count }
            confirmTimes = members.map { m in m.continuedAt.map { ($0 - m.firstPokeAt) * 1000 } }
            let streamStart = MonotonicClock.now()
            streamEnd = streamStart + ServeBenchmark.streamSeconds
            streaming.signal()
            let slices = 10
            let perSlice = (members.count + slices - 1) / slices
            var nextSlice = streamStart, slice = 0, line = 0
            loop(until: streamEnd + 1, next: { nextSlice < self.streamEnd ? nextSlice : nil }) {
                let now = MonotonicClock.now()
                while nextSlice < streamEnd, now >= nextSlice {
                    for i in (slice * perSlice)..<min(members.count, (slice + 1) * perSlice) where members[i].continuedAt != nil {
                        // A real kernel's DbgPrint waits for the transport too; the bench
                        // skips instead, so the load it states is what was sent.
                        guard members[i].session.unacknowledgedPackets < 4 else { skipped += 1; continue }
                        line += 1
                        printed += 1
                        handle(members[i].session.dbgPrint("\(Self.marker) t\(i) line \(line): the quick brown fox jumps over the lazy dog\n", at: now), of: i, at: now)
                    }
                    slice = (slice + 1) % slices
                    nextSlice += 1 / (ServeBenchmark.printsPerSecond * Double(slices))
                }
                return false
            }
            acknowledged = printed - members.reduce(0) { $0 + $1.session.unacknowledgedPackets }
        }

        private func start(_ i: Int, at now: SessionTime) {
            members[i].started = true
            members[i].firstPokeAt = now
            handle(members[i].session.tick(at: now), of: i, at: now)
        }

        /// Serves the started targets until `end` or `finished`; `next` is an extra wake-up.
        private func loop(until end: SessionTime, next: () -> SessionTime? = { nil }, _ finished: () -> Bool) {
            while true {
                if finished() { return }
                var now = MonotonicClock.now()
                if now >= end { return }
                if now >= earliest {
                    earliest = .infinity
                    for i in members.indices where members[i].started {
                        if let due = members[i].session.nextDeadline, now >= due { handle(members[i].session.tick(at: now), of: i, at: now) }
                        earliest = min(earliest, members[i].session.nextDeadline ?? .infinity)
                    }
                }
                now = MonotonicClock.now()
                let wake = min(end, earliest, next() ?? .infinity)
                let timeout = Int32(max(0, ((wake - now) * 1000).rounded(.up)))
                guard poll(&pollfds, nfds_t(pollfds.count), timeout) > 0 else { continue }
                for k in pollfds.indices where pollfds[k].revents != 0 {
                    pollfds[k].revents = 0
                    for _ in 0..<64 {
                        guard let (bytes, from) = members[k].socket.receive(using: buffer) else { break }
                        let at = MonotonicClock.now()
                        handle(members[k].session.receive(bytes, from: from, at: at), of: k, at: at)
                    }
                }
            }
        }

        private func handle(_ out: SessionOutput, of i: Int, at now: SessionTime) {
            for d in out.datagrams { try? members[i].socket.send(d.bytes, to: d.destination) }
            for e in out.events {
                if case .continued = e, members[i].continuedAt == nil {
                    members[i].continuedAt = now
                    confirmed += 1
                }
            }
            earliest = min(earliest, members[i].session.nextDeadline ?? .infinity)
        }
    }

    // MARK: helpers

    static func freeTCPPort() throws -> UInt16 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        let bound = Endpoint(address: hostAddress, port: 0).withSockAddr { bind(fd, $0, $1) }
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        guard bound == 0, named == 0 else { throw CocoaError(.featureUnsupported) }
        // The port is free now; serve binds it a moment later (SO_REUSEADDR covers TIME_WAIT).
        return UInt16(bigEndian: address.sin_port)
    }

    static func waitForLine(_ needle: String, in file: URL, seconds: Double) -> Bool {
        let end = MonotonicClock.now() + seconds
        while MonotonicClock.now() < end {
            if let text = try? String(contentsOf: file, encoding: .utf8), text.contains(needle) { return true }
            usleep(20_000)
        }
        return false
    }

    static func countLines(containing needle: String, in dir: URL) -> Int {
        let files = (try? FileManager.default.contentsOfDirectory(at: dir, includingPropertiesForKeys: nil)) ?? []
        return files.reduce(0) { total, file in
            let text = (try? String(contentsOf: file, encoding: .utf8)) ?? ""
            return total + text.split(separator: "\n").filter { $0.contains(needle) }.count
        }
    }
}

/// What the kernel says of a running process: CPU from /proc/PID/stat, memory from /proc/PID/status.
enum ProcStat {
    static func cpuSeconds(_ pid: pid_t) -> Double {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = text.lastIndex(of: ")") else { return 0 }
        // After "pid (comm) ": state is field 3, utime 14, stime 15.
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// Time on a CPU of every thread of the process so far, in ns (/proc/PID/task/*/schedstat).
    static func runNanoseconds(_ pid: pid_t) -> UInt64 {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
        return tasks.reduce(0) { total, task in
            let text = (try? String(contentsOfFile: "/proc/\(pid)/task/\(task)/schedstat", encoding: .utf8)) ?? ""
            return total + (text.split(separator: " ").first.flatMap { UInt64($0) } ?? 0)
        }
    }

    /// A `kB` line of /proc/PID/status (VmHWM, VmRSS), in KiB.
    static func memoryKiB(_ pid: pid_t, _ key: String) -> Int {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return 0 }
        for line in text.split(separator: "\n") where line.hasPrefix(key + ":") {
            return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") ?? 0
        }
        return 0
    }
}

/// A plain HTTP/1.1 GET over a TCP socket, timed from connect to the server's FIN (serve
/// closes every response that is not an event stream).
enum HTTPProbe {
    struct Result {
        var ms: Double
        var status: Int
        var bytes: Int
        var body: [UInt8]
    }

    static func get(_ path: String, port: UInt16) -> Result {
        let start = Measure.now()
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let connected = Endpoint(address: ServeBenchmark.hostAddress, port: port).withSockAddr { connect(fd, $0, $1) }
        guard connected == 0 else { return Result(ms: .infinity, status: 0, bytes: 0, body: []) }
        let request = Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".utf8)
        _ = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        var response: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = recv(fd, &chunk, chunk.count, 0)
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { break }
            response += chunk[0..<n]
        }
        let ms = Double(Measure.now() - start) / 1e6
        let head = String(decoding: response.prefix(64), as: UTF8.self)
        let status = head.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
        let split = response.firstRange(of: Array("\r\n\r\n".utf8))
        let body = split.map { Array(response[$0.upperBound...]) } ?? []
        return Result(ms: ms, status: status, bytes: response.count, body: body)
    }

    static func median(_ results: [Result]) -> Double {
        results.isEmpty ? .infinity : Measure.median(results.map(\.ms))
    }

    static func targets(_ body: [UInt8]) -> [[String: Any]] {
        guard let doc = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else { return [] }
        return (doc["targets"] as? [[String: Any]]) ?? []
    }
}
