import Foundation
import Synchronization
import Testing
@testable import KDNetKit

/// The open files a fleet needs, and what serve and listen do about RLIMIT_NOFILE.
@Suite struct DescriptorBudgetTests {
    @Test func aLabOf500OnEveryAddressNeedsTwoSocketsAndALogFileEach() {
        let b = DescriptorBudget(ports: 500, bind: nil, logFiles: true, httpConnections: 256)
        #expect(b.sockets == 1000 && b.logFiles == 500 && b.http == 257)
        #expect(b.needed == 1000 + 500 + 257 + DescriptorBudget.reserve)
        #expect(b.breakdown == "1000 UDP sockets, 500 log files, 257 for the status page and 32 for the rest")
    }

    @Test func oneBindAddressIsOneSocketPerPortAndNoPageOrLogsCostsNothing() {
        let b = DescriptorBudget(ports: 500, bind: IPAddress("127.0.0.1")!)
        #expect(b.sockets == 500 && b.logFiles == 0 && b.http == 0 && b.needed == 532)
        #expect(b.breakdown == "500 UDP sockets and 32 for the rest")
    }

    @Test func theSoftLimitIsRaisedOnlyAsFarAsNeededAndNeverPastTheHardOne() {
        let b = DescriptorBudget(ports: 500, bind: nil, logFiles: true, httpConnections: 256)  // 1789
        #expect(b.plan(soft: 1024, hard: 524_288) == .raise(to: 1789))
        #expect(b.plan(soft: 1024, hard: .max) == .raise(to: 1789))
        #expect(b.plan(soft: 1024, hard: 1789) == .raise(to: 1789))
        #expect(b.plan(soft: 1789, hard: 1789) == .enough)
        #expect(b.plan(soft: 20_000, hard: 20_000) == .enough)
        #expect(b.plan(soft: 1024, hard: 1788) == .beyondHardLimit)
        #expect(b.plan(soft: 1024, hard: 1024) == .beyondHardLimit)
    }

    /// A process with the given limits, recording the soft limits it was asked to set.
    final class FakeProcess: Sendable {
        let limits: Mutex<DescriptorLimit.Limits>
        let refusal: String?
        let calls = Mutex<[UInt64]>([])
        init(soft: UInt64, hard: UInt64, refusal: String? = nil) {
            limits = Mutex(.init(soft: soft, hard: hard)); self.refusal = refusal
        }
        var system: DescriptorLimit.System {
            DescriptorLimit.System(get: { self.limits.withLock { $0 } }, setSoft: { soft, _ in
                self.calls.withLock { $0.append(soft) }
                if let refusal = self.refusal { return refusal }
                self.limits.withLock { $0.soft = soft }
                return nil
            })
        }
    }

    @Test func ensureRaisesSaysSoAndLeavesAHighEnoughLimitAlone() throws {
        let p = FakeProcess(soft: 1024, hard: 524_288)
        let b = DescriptorBudget(ports: 500, bind: nil, logFiles: true)
        let raised = try DescriptorLimit.ensure(b, system: p.system)
        #expect(raised == DescriptorLimit.Raised(from: 1024, to: UInt64(b.needed), hard: 524_288))
        #expect(raised?.message == "raised the open-file limit (RLIMIT_NOFILE) from 1024 to 1532 for the targets (hard limit 524288)")
        #expect(p.calls.withLock { $0 } == [1532])
        #expect(try DescriptorLimit.ensure(b, system: p.system) == nil)
        #expect(p.calls.withLock { $0 } == [1532])
    }

    @Test func aHardLimitTooLowIsOneLineNamingTheNumbersAndTheFix() throws {
        let p = FakeProcess(soft: 1024, hard: 1024)
        let b = DescriptorBudget(ports: 500, bind: nil, logFiles: true)
        let error = #expect(throws: DescriptorLimitError.self) { try DescriptorLimit.ensure(b, system: p.system) }
        #expect(error == .beyondHardLimit(needed: 1532, hard: 1024, breakdown: b.breakdown))
        let text = try #require(error?.localizedDescription)
        #expect(!text.contains("\n"))
        #expect(text.contains("need 1532 open files") && text.contains("at most 1024"))
        #expect(text.contains("ulimit -Hn 1532") && text.contains("LimitNOFILE=1532"))
        #expect(p.calls.withLock { $0 }.isEmpty)
    }

    @Test func aRefusedRaiseSaysWhy() {
        let p = FakeProcess(soft: 1024, hard: 4096, refusal: "Operation not permitted")
        let error = #expect(throws: DescriptorLimitError.self) { try DescriptorLimit.ensure(DescriptorBudget(sockets: 2000), system: p.system) }
        #expect(error == .raiseRefused(needed: 2032, soft: 1024, reason: "Operation not permitted"))
        #expect(error?.localizedDescription.contains("ulimit -n 2032") == true)
    }

    /// The lab service checks before it binds anything: with too low a hard limit it
    /// stops with the error, with room it raises and says so in its log.
    @Test func theWatcherChecksTheLimitBeforeBinding() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kdnet-fd-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let config = dir.appendingPathComponent("listener.json")
        // Ports nobody binds: the watcher below only gets that far with room to spare.
        try ListenerConfig(hostIp: nil, targets: (0..<3).map { .init(name: "t\($0)", port: UInt16(61_000 + $0), key: DebugKey.generate().text) })
            .write(to: config)
        var options = LabServiceOptions(configPath: config.path, logDirectory: dir.appendingPathComponent("logs"), bind: IPAddress("127.0.0.1")!)
        options.httpConnections = 10
        let needed = 3 + 3 + 11 + DescriptorBudget.reserve

        let tight = FakeProcess(soft: 20, hard: 40)
        options.descriptorLimit = tight.system
        #expect(throws: DescriptorLimitError.beyondHardLimit(needed: needed, hard: 40, breakdown: "3 UDP sockets, 3 log files, 11 for the status page and 32 for the rest")) {
            _ = try LabWatcher(options: options, stop: WakePipe(), reload: WakePipe()) { _ in }
        }

        let roomy = FakeProcess(soft: 20, hard: 4096)
        options.descriptorLimit = roomy.system
        let events = Mutex<[LabEvent]>([])
        let watcher = try LabWatcher(options: options, stop: WakePipe(), reload: WakePipe()) { e in events.withLock { $0.append(e) } }
        #expect(watcher.ports.count == 3)
        #expect(roomy.calls.withLock { $0 } == [UInt64(needed)])
        #expect(events.withLock { $0.contains { $0.kind == "fd-limit" && $0.fields["from"] == "20" && $0.fields["to"] == String(needed) } })
    }
}
