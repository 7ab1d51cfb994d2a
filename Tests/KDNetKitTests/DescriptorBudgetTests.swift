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
        #expect(b.breakdown == "1000 UDP sockets, 500 log files, 257 for the status page and 24 for the rest")
    }

    @Test func oneBindAddressIsOneSocketPerPortAndNoPageOrLogsCostsNothing() {
        let b = DescriptorBudget(ports: 500, bind: IPAddress("127.0.0.1")!)
        #expect(b.sockets == 500 && b.logFiles == 0 && b.http == 0 && b.needed == 524)
        #expect(b.breakdown == "500 UDP sockets and 24 for the rest")
    }

    @Test func theSoftLimitIsRaisedOnlyAsFarAsNeededAndNeverPastTheHardOne() {
        let b = DescriptorBudget(ports: 500, bind: nil, logFiles: true, httpConnections: 256)  // 1781
        #expect(b.plan(soft: 1024, hard: 524_288) == .raise(to: 1781))
        #expect(b.plan(soft: 1024, hard: .max) == .raise(to: 1781))
        #expect(b.plan(soft: 1024, hard: 1781) == .raise(to: 1781))
        #expect(b.plan(soft: 1781, hard: 1781) == .enough)
        #expect(b.plan(soft: 20_000, hard: 20_000) == .enough)
        #expect(b.plan(soft: 1024, hard: 1780) == .beyondHardLimit)
        #expect(b.plan(soft: 1024, hard: 1024) == .beyondHardLimit)
    }

    struct Call: Equatable { var soft: UInt64, hard: UInt64 }

    /// A process with the given limits, recording what it was asked to set. As the kernel
    /// does, only root may raise the hard limit.
    final class FakeProcess: Sendable {
        let limits: Mutex<DescriptorLimit.Limits>
        let refusal: String?
        let root: Bool
        let calls = Mutex<[Call]>([])
        init(soft: UInt64, hard: UInt64, refusal: String? = nil, root: Bool = false) {
            limits = Mutex(.init(soft: soft, hard: hard)); self.refusal = refusal; self.root = root
        }
        var system: DescriptorLimit.System {
            DescriptorLimit.System(get: { self.limits.withLock { $0 } }, set: { soft, hard in
                self.calls.withLock { $0.append(Call(soft: soft, hard: hard)) }
                if let refusal = self.refusal { return refusal }
                return self.limits.withLock { l in
                    if hard > l.hard && !self.root { return "Operation not permitted" }
                    l = .init(soft: soft, hard: hard)
                    return nil
                }
            })
        }
        var soft: UInt64 { limits.withLock { $0.soft } }
    }

    @Test func ensureRaisesSaysSoAndLeavesAHighEnoughLimitAlone() throws {
        let p = FakeProcess(soft: 1024, hard: 524_288)
        let b = DescriptorBudget(ports: 500, bind: nil, logFiles: true)
        let raised = try DescriptorLimit.ensure(b, system: p.system)
        #expect(raised == DescriptorLimit.Raised(from: 1024, to: UInt64(b.needed), hard: 524_288))
        #expect(raised?.message == "raised the open-file limit (RLIMIT_NOFILE) from 1024 to 1524 for the targets (hard limit 524288)")
        #expect(p.calls.withLock { $0 } == [Call(soft: 1524, hard: 524_288)])
        #expect(try DescriptorLimit.ensure(b, system: p.system) == nil)
        #expect(p.calls.withLock { $0 }.count == 1)
    }

    @Test func aHardLimitTooLowIsOneLineNamingTheNumbersAndTheFix() throws {
        let p = FakeProcess(soft: 1024, hard: 1024)
        let b = DescriptorBudget(ports: 500, bind: nil, logFiles: true)
        let error = #expect(throws: DescriptorLimitError.self) { try DescriptorLimit.ensure(b, system: p.system) }
        #expect(error == .beyondHardLimit(needed: 1524, hard: 1024, breakdown: b.breakdown, statusPage: false))
        let text = try #require(error?.localizedDescription)
        #expect(!text.contains("\n"))
        #expect(text.contains("needs 1524 open files") && text.contains("at most 1024"))
        #expect(text.contains("ulimit -Hn 1524") && text.contains("LimitNOFILE=1524"))
        #expect(!text.contains("--no-http"))
        // It tried the hard limit (root could), then left the soft one where it was: already at the hard one.
        #expect(p.calls.withLock { $0 } == [Call(soft: 1524, hard: 1524)])
        #expect(p.soft == 1024)
    }

    @Test func rootRaisesTheHardLimitItself() throws {
        let p = FakeProcess(soft: 36, hard: 64, root: true)
        let raised = try DescriptorLimit.ensure(DescriptorBudget(sockets: 48), system: p.system)
        #expect(raised == DescriptorLimit.Raised(from: 36, to: 72, hard: 72, hardWas: 64))
        #expect(raised?.message == "raised the open-file limit (RLIMIT_NOFILE) from 36 to 72 for the targets (hard limit raised from 64 too)")
        #expect(p.limits.withLock { $0 } == .init(soft: 72, hard: 72))
    }

    /// A reload past the hard limit goes on with the targets that fit: the soft limit goes
    /// up to the hard one, so that as many fit as the hard limit allows.
    @Test func pastTheHardLimitTheSoftOneStillGoesAsHighAsAllowed() {
        let p = FakeProcess(soft: 36, hard: 64)
        let b = DescriptorBudget(sockets: 40, http: 11)
        let error = #expect(throws: DescriptorLimitError.self) { try DescriptorLimit.ensure(b, system: p.system) }
        #expect(error == .beyondHardLimit(needed: 75, hard: 64, breakdown: b.breakdown, statusPage: true))
        #expect(error?.localizedDescription.hasSuffix("; or serve without the status page (--no-http)") == true)
        #expect(p.calls.withLock { $0 } == [Call(soft: 75, hard: 75), Call(soft: 64, hard: 64)])
        #expect(p.soft == 64)
    }

    @Test func aRefusedRaiseSaysWhy() {
        let p = FakeProcess(soft: 1024, hard: 4096, refusal: "Operation not permitted")
        let error = #expect(throws: DescriptorLimitError.self) { try DescriptorLimit.ensure(DescriptorBudget(sockets: 2000), system: p.system) }
        #expect(error == .raiseRefused(needed: 2024, soft: 1024, reason: "Operation not permitted"))
        #expect(error?.localizedDescription.contains("ulimit -n 2024") == true)
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
        #expect(throws: DescriptorLimitError.beyondHardLimit(needed: needed, hard: 40, breakdown: "3 UDP sockets, 3 log files, 11 for the status page and 24 for the rest", statusPage: true)) {
            _ = try LabWatcher(options: options, stop: WakePipe(), reload: WakePipe()) { _ in }
        }

        let roomy = FakeProcess(soft: 20, hard: 4096)
        options.descriptorLimit = roomy.system
        let events = Mutex<[LabEvent]>([])
        let watcher = try LabWatcher(options: options, stop: WakePipe(), reload: WakePipe()) { e in events.withLock { $0.append(e) } }
        #expect(watcher.ports.count == 3)
        #expect(roomy.calls.withLock { $0 } == [Call(soft: UInt64(needed), hard: 4096)])
        #expect(events.withLock { $0.contains { $0.kind == "fd-limit" && $0.fields["from"] == 20 && $0.fields["to"] == .number(needed) } })
    }
}
