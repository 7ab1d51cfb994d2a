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

    /// `2026-11-29T22:34:18Z`: what `Date.ISO8601FormatStyle` in UTC writes (whole seconds,
    /// rounded down), made with gmtime_r, since a document of 500 targets needs 1,000 of
    /// them and the format style costs microseconds each.
    public static func timestamp(_ date: Date) -> String {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var t = tm()
        guard gmtime_r(&seconds, &t) != nil, (0...9999).contains(Int(t.tm_year) + 1900) else {
            return date.formatted(Date.ISO8601FormatStyle(timeZone: TimeZone(identifier: "UTC")!))
        }
        func two(_ v: Int32) -> String { v < 10 ? "0\(v)" : String(v) }
        let year = String(Int(t.tm_year) + 1900)
        return String(repeating: "0", count: 4 - year.count) + year + "-" + two(t.tm_mon + 1) + "-" + two(t.tm_mday)
            + "T" + two(t.tm_hour) + ":" + two(t.tm_min) + ":" + two(t.tm_sec) + "Z"
    }

    /// The document as `JSONOutput` writes it (snake_case keys, sorted, pretty, nulls kept),
    /// byte for byte, written directly: `/api/targets` and every `/events` update serve it,
    /// and the generic encoder took tens of milliseconds for a fleet of 500 (a test holds
    /// the two equal).
    public func json() -> String { String(decoding: jsonBytes(), as: UTF8.self) }

    public func jsonBytes() -> [UInt8] {
        var w = PrettyJSONWriter()
        w.open("{")
        w.key("generation", first: true); w.number(generation)
        w.key("targets")
        if targets.isEmpty {
            w.emptyArray()
        } else {
            w.open("[")
            for (n, t) in targets.enumerated() {
                w.element(first: n == 0)
                w.open("{")
                w.key("address", first: true); w.string(t.address)
                w.key("build"); w.number(t.build)
                w.key("datagrams"); w.number(t.datagrams)
                w.key("kernel_base"); w.string(t.kernelBase)
                w.key("last_seen"); w.string(t.lastSeen)
                w.key("mac"); w.string(t.mac)
                w.key("machine"); w.string(t.machine)
                w.key("name"); w.string(t.name)
                w.key("port"); w.number(t.port)
                w.key("reboots"); w.number(t.reboots)
                w.key("recent_output")
                if t.recentOutput.isEmpty {
                    w.emptyArray()
                } else {
                    w.open("[")
                    for (k, line) in t.recentOutput.enumerated() { w.element(first: k == 0); w.string(line) }
                    w.close("]")
                }
                w.key("since"); w.string(t.since)
                w.key("state"); w.string(t.state.rawValue)
                w.key("unexpected_source"); w.number(t.unexpectedSource)
                w.key("wrong_key"); w.number(t.wrongKey)
                w.close("}")
            }
            w.close("]")
        }
        w.close("}")
        return w.bytes
    }
}

/// Foundation's pretty JSON layout (two-space indent, `"key" : value`, slashes not
/// escaped), for documents whose shape is known.
struct PrettyJSONWriter {
    private(set) var bytes: [UInt8] = []
    private var depth = 0

    init() { bytes.reserveCapacity(64 << 10) }

    mutating func open(_ bracket: Unicode.Scalar) {
        bytes.append(UInt8(ascii: bracket))
        depth += 1
    }

    mutating func close(_ bracket: Unicode.Scalar) {
        depth -= 1
        newline()
        bytes.append(UInt8(ascii: bracket))
    }

    /// Foundation writes `[`, an empty line, and `]` at the array's own indent.
    mutating func emptyArray() {
        bytes += [UInt8(ascii: "["), 0x0A]
        newline()
        bytes.append(UInt8(ascii: "]"))
    }

    mutating func key(_ name: StaticString, first: Bool = false) {
        if !first { bytes.append(UInt8(ascii: ",")) }
        newline()
        bytes.append(UInt8(ascii: "\""))
        name.withUTF8Buffer { bytes += $0 }
        bytes += Array("\" : ".utf8)
    }

    mutating func element(first: Bool) {
        if !first { bytes.append(UInt8(ascii: ",")) }
        newline()
    }

    mutating func number<N: BinaryInteger>(_ value: N?) {
        guard let value else { return null() }
        bytes += String(value).utf8
    }

    mutating func string(_ value: String?) {
        guard let value else { return null() }
        RecordJSONWriter.quote(value, into: &bytes)
    }

    private mutating func null() { bytes += Array("null".utf8) }

    private mutating func newline() {
        bytes.append(0x0A)
        for _ in 0..<depth { bytes += [0x20, 0x20] }
    }
}
