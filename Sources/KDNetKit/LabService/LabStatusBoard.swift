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

/// The one shared board: the watcher publishes to it, readers copy out of it. The
/// watcher's side is cheap, whatever the fleet's size and whoever reads: it replaces only
/// the targets that changed, and hands the recent DbgPrint lines over as the arrays it
/// keeps (copy-on-write: no line is copied), so a target that prints does not cost a
/// rebuild of every target's text under the lock the HTTP side takes. The text of
/// `/api/targets/NAME/log` is joined when it is asked for.
public final class LabStatusBoard: LabStatusSource {
    /// One target's new status, and its recent lines when they changed too.
    public struct Change: Sendable {
        public var index: Int
        public var status: LabTargetStatus
        public var recentLines: [String]?

        public init(index: Int, status: LabTargetStatus, recentLines: [String]? = nil) {
            self.index = index; self.status = status; self.recentLines = recentLines
        }
    }

    private struct Content {
        var snapshot: LabServiceSnapshot
        /// Each target's recent DbgPrint lines, oldest first, in the order of `snapshot.targets`.
        var lines: [[String]]
        var indexByName: [String: Int]
    }
    private let content: Mutex<Content>

    public init(_ snapshot: LabServiceSnapshot) {
        content = Mutex(Content(snapshot: snapshot, lines: snapshot.targets.map { _ in [] }, indexByName: Self.index(snapshot.targets)))
    }

    /// Replaces the fleet (at start and on reload); bumps the generation. A target missing
    /// from `recentLines` has none.
    public func publish(_ targets: [LabTargetStatus], recentLines: [String: [String]] = [:]) {
        let index = Self.index(targets)
        let lines = targets.map { recentLines[$0.name] ?? [] }
        content.withLock {
            $0.snapshot.targets = targets
            $0.snapshot.generation &+= 1
            $0.lines = lines
            $0.indexByName = index
        }
    }

    /// Replaces the targets that changed (indices into the fleet last published); bumps
    /// the generation once. A change outside the fleet is ignored.
    public func update(_ changes: [Change]) {
        guard !changes.isEmpty else { return }
        content.withLock { c in
            for change in changes where c.snapshot.targets.indices.contains(change.index) {
                c.snapshot.targets[change.index] = change.status
                if let lines = change.recentLines { c.lines[change.index] = lines }
            }
            c.snapshot.generation &+= 1
        }
    }

    public func snapshot() -> LabServiceSnapshot { content.withLock { $0.snapshot } }

    public func recentLog(of name: String) -> String? {
        let lines = content.withLock { c -> [String]? in c.indexByName[name.lowercased()].map { c.lines[$0] } }
        guard let lines else { return nil }
        return lines.isEmpty ? "" : lines.joined(separator: "\n") + "\n"
    }

    /// The first target of each name, ignoring case as the config's names are unique
    /// ignoring case (they name log files, and Windows hosts).
    private static func index(_ targets: [LabTargetStatus]) -> [String: Int] {
        Dictionary(targets.enumerated().map { ($0.element.name.lowercased(), $0.offset) }, uniquingKeysWith: { a, _ in a })
    }
}
