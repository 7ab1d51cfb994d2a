import Foundation

/// What `GET /api/targets` serves and `/events` pushes: the fleet, one object per target,
/// every key present (null when unknown), times in ISO 8601 UTC. Built from the board's
/// status, which holds no key, so no key can reach it.
public struct LabTargetsDocument: Encodable, Sendable, Equatable {
    public struct Target: Encodable, Sendable, Equatable {
        public var name: String
        public var port: UInt16
        public var state: LabTargetStatus.State
        public var address: String?
        public var mac: String?
        public var build: UInt32?
        public var machine: String?
        public var kernelBase: String?
        public var since: String
        public var lastSeen: String?
        /// Every datagram on the target's port.
        public var datagrams: Int
        public var wrongKey: Int
        public var unexpectedSource: Int
        public var reboots: Int
        /// The last few DbgPrint lines, oldest first: the status page's table shows them.
        public var recentOutput: [String]

        public init(_ status: LabTargetStatus) {
            name = status.name; port = status.port; state = status.state; address = status.address; mac = status.mac
            build = status.build; machine = status.machine; kernelBase = status.kernelBase
            since = LabTargetsDocument.timestamp(status.since); lastSeen = status.lastSeen.map(LabTargetsDocument.timestamp)
            datagrams = status.traffic.total; wrongKey = status.traffic.wrongKey
            unexpectedSource = status.traffic.unexpectedSource; reboots = status.reboots; recentOutput = status.recentOutput
        }
    }

    public var targets: [Target]
    /// Grows with every change of the fleet: a page that polls skips an unchanged one.
    public var generation: UInt64

    public init(_ snapshot: LabServiceSnapshot) {
        targets = snapshot.targets.map(Target.init)
        generation = snapshot.generation
    }

    /// `2026-11-29T22:34:18Z`.
    public static func timestamp(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(timeZone: TimeZone(identifier: "UTC")!))
    }

    public func json() -> String {
        // Every field is a string, a number or null: encoding cannot fail.
        (try? JSONOutput.string(self)) ?? "{\"targets\": []}"
    }
}
