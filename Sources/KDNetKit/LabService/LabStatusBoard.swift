import Foundation
import Synchronization

/// One target of the lab service as the status page, the API and the metrics show it.
/// Never holds the key: everything here may be served.
public struct LabTargetStatus: Sendable, Equatable {
    public enum State: String, Sendable, Codable, CaseIterable {
        /// No authentic poke yet (or none since the service started or reloaded).
        case waiting
        case connected
        /// Connected, but no datagram for the configured silence threshold.
        case silent
        /// Datagrams arrive, but sealed with another key (the target was re-keyed or re-imaged).
        case wrongKey = "wrong_key"
        /// Was connected, and then another debugger took it or it stopped answering for good.
        case lost
    }

    public var name: String
    public var port: UInt16
    public var state: State
    /// The address the target sends from, `192.0.2.5` or `fe80::1%eth0`.
    public var address: String?
    public var mac: String?
    public var build: UInt32?
    /// `x64`, `arm64`, ...
    public var machine: String?
    /// `0xfffff80712400000`
    public var kernelBase: String?
    /// When the target entered `state`.
    public var since: Date
    public var lastSeen: Date?
    /// Every datagram on this target's port, by class.
    public var traffic: TrafficTally
    public var reboots: Int
    /// The last few DbgPrint lines, oldest first (the page's table shows them).
    public var recentOutput: [String]

    public init(name: String, port: UInt16, state: State = .waiting, address: String? = nil, mac: String? = nil,
                build: UInt32? = nil, machine: String? = nil, kernelBase: String? = nil, since: Date,
                lastSeen: Date? = nil, traffic: TrafficTally = TrafficTally(), reboots: Int = 0, recentOutput: [String] = []) {
        self.name = name; self.port = port; self.state = state; self.address = address; self.mac = mac
        self.build = build; self.machine = machine; self.kernelBase = kernelBase; self.since = since
        self.lastSeen = lastSeen; self.traffic = traffic; self.reboots = reboots; self.recentOutput = recentOutput
    }
}

/// The whole fleet at one moment. `generation` grows with every change, so a page that
/// polls or streams can tell whether anything moved.
public struct LabServiceSnapshot: Sendable, Equatable {
    public var targets: [LabTargetStatus]
    public var startedAt: Date
    public var configPath: String
    public var generation: UInt64

    public init(targets: [LabTargetStatus] = [], startedAt: Date, configPath: String, generation: UInt64 = 0) {
        self.targets = targets; self.startedAt = startedAt; self.configPath = configPath; self.generation = generation
    }
}

/// Where the service's UDP side publishes and the HTTP side reads: the two run on
/// different threads and share nothing else.
public protocol LabStatusSource: Sendable {
    func snapshot() -> LabServiceSnapshot
    /// The recent DbgPrint text of one target (what `/api/targets/NAME/log` serves), nil
    /// when no target has that name.
    func recentLog(of name: String) -> String?
}

/// The one shared board: the watcher replaces the snapshot and the logs, readers copy them.
public final class LabStatusBoard: LabStatusSource {
    private struct Content {
        var snapshot: LabServiceSnapshot
        var logs: [String: String]
    }
    private let content: Mutex<Content>

    public init(_ snapshot: LabServiceSnapshot) {
        content = Mutex(Content(snapshot: snapshot, logs: [:]))
    }

    /// Replaces the fleet; bumps the generation.
    public func publish(_ targets: [LabTargetStatus], logs: [String: String]? = nil) {
        content.withLock {
            $0.snapshot.targets = targets
            $0.snapshot.generation &+= 1
            if let logs { $0.logs = logs }
        }
    }

    public func snapshot() -> LabServiceSnapshot { content.withLock { $0.snapshot } }

    public func recentLog(of name: String) -> String? {
        content.withLock { c in
            guard c.snapshot.targets.contains(where: { $0.name == name }) else { return nil }
            return c.logs[name] ?? ""
        }
    }
}
