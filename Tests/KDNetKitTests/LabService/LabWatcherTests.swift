import Foundation
import Synchronization
import Testing
@testable import KDNetKit

/// The watcher over real loopback sockets against the simulated target, as `serve` runs it.
@Suite(.serialized) struct LabWatcherTests {
    /// A KDNET port free on IPv4 and IPv6 now.
    func freePort() throws -> UInt16 {
        for _ in 0..<200 {
            let p = UInt16.random(in: 50_100...60_900)
            if (try? UDPSocket.listening(on: p, bind: nil)) != nil { return p }
        }
        throw ListenerError.portInUse(0)
    }

    @Test func theBoardShowsAConnectedTargetWithItsBuildAndLogAndTheTargetRuns() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kdnet-watch-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let key = DebugKey.generate()
        let (p1, p2) = (try freePort(), try freePort())
        let config = dir.appendingPathComponent("listener.json")
        try ListenerConfig(hostIp: nil, targets: [.init(name: "lab-01", port: p1, key: key.text),
                                                  .init(name: "lab-02", port: p2, key: DebugKey.generate().text)]).write(to: config)
        let stop = WakePipe(), reload = WakePipe()
        let events = Mutex<[LabEvent]>([])
        let watcher = try LabWatcher(options: .init(configPath: config.path, logDirectory: dir.appendingPathComponent("logs")),
                                     stop: stop, reload: reload) { e in events.withLock { $0.append(e) } }
        #expect(watcher.board.snapshot().targets.map(\.state) == [.waiting, .waiting])
        let finished = DispatchSemaphore(value: 0)
        Thread { try? watcher.run(); finished.signal() }.start()

        var options = SimulatorOptions(hostIP: IPAddress("127.0.0.1")!, port: p1, key: key, kernel: .simulated(machine: 0x8664, build: 22621))
        options.pokeInterval = 0.2
        options.duration = 2
        let report = try TargetSimulator(options: options).run { _, _ in }
        #expect(report.connected && report.continued && !report.halted)

        let fleet = watcher.board.snapshot().targets
        #expect(fleet.map(\.name) == ["lab-01", "lab-02"])
        #expect(fleet[0].state == .connected && fleet[0].build == 22621 && fleet[0].machine == "x64")
        #expect(fleet[0].address?.hasPrefix("127.") == true && fleet[0].traffic.authenticated > 0)
        #expect(fleet[1].state == .waiting && fleet[1].traffic.total == 0)
        #expect(watcher.board.recentLog(of: "lab-01")?.contains("KDTARGET: Refreshing KD connection") == true)
        #expect(watcher.board.recentLog(of: "lab-02") == "")

        stop.wake()
        #expect(finished.wait(timeout: .now() + 10) == .success)
        let file = try String(contentsOf: dir.appendingPathComponent("logs/lab-01.log"), encoding: .utf8)
        #expect(file.contains("KDTARGET: Refreshing KD connection"))
        #expect(events.withLock { $0.contains { $0.kind == "summary" && $0.target == "lab-02" && $0.fields["state"] == "waiting" } })
    }

    /// Ports the config is fine with but that cannot be bound: said as such, not as
    /// refused entries.
    @Test func nothingBoundIsSaidWithTheFirstBindFailure() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kdnet-watch-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let holder = try UDPSocket(bind: Endpoint(address: IPAddress("127.0.0.1")!, port: try freePort()))
        let config = dir.appendingPathComponent("listener.json")
        try ListenerConfig(hostIp: nil, targets: [.init(name: "lab-01", port: holder.port, key: DebugKey.generate().text)]).write(to: config)
        let events = Mutex<[LabEvent]>([])
        let error = #expect(throws: LabServiceError.self) {
            _ = try LabWatcher(options: .init(configPath: config.path, bind: IPAddress("127.0.0.1")!), stop: WakePipe(), reload: WakePipe()) { e in
                events.withLock { $0.append(e) }
            }
        }
        let text = try #require(error?.localizedDescription)
        #expect(text.hasPrefix("no target of \(config.path) could be bound (the first: lab-01: UDP port \(holder.port) is already in use"))
        #expect(text.hasSuffix("free the ports, or give serve an address of this host with --bind"))
        #expect(events.withLock { $0.map(\.kind) } == ["bind"])
    }

    @Test func aLogFolderThatIsAFileIsSaidPlainly() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kdnet-watch-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let config = dir.appendingPathComponent("listener.json")
        try ListenerConfig(hostIp: nil, targets: [.init(name: "lab-01", port: try freePort(), key: DebugKey.generate().text)]).write(to: config)
        for (logs, why) in [(config, "it exists and is not a folder"), (config.appendingPathComponent("sub"), "Not a directory")] {
            #expect(throws: LabServiceError.logDirectory(logs.path, why)) {
                _ = try LabWatcher(options: .init(configPath: config.path, logDirectory: logs), stop: WakePipe(), reload: WakePipe()) { _ in }
            }
        }
    }
}
