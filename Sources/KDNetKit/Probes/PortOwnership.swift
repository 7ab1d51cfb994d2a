import Foundation

/// Who holds a UDP port on this machine, from /proc/net/udp{,6} and the socket inodes
/// behind /proc/PID/fd: the listener cannot bind a port another program holds.
public struct PortOwnershipReport: Codable, Sendable {
    public var port: Int
    public var free: Bool
    public var holders: [Holder]
    /// False when some processes' fds could not be read (not root): a holder may lack a pid.
    public var sawAllProcesses: Bool
    public var verdict: CheckVerdict
    public var cause: String
    public var fix: String?

    public struct Holder: Codable, Sendable, Equatable {
        public var local: Endpoint
        public var inode: UInt64
        public var uid: Int
        public var pid: Int?
        public var command: String?
    }
}

/// One line of /proc/net/udp or /proc/net/udp6.
public struct UDPSocketEntry: Sendable, Equatable {
    public var local: Endpoint
    public var uid: Int
    public var inode: UInt64
}

public enum PortOwnership {
    public static func check(port: Int, procRoot: String = "/proc") throws -> PortOwnershipReport {
        try ProbeLimits.validate(port: port)
        var entries: [UDPSocketEntry] = []
        for name in ["udp", "udp6"] {
            let path = "\(procRoot)/net/\(name)"
            // A kernel without IPv6 has no udp6; that is not an error.
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                if name == "udp" { throw ProbeError.cannotRead(path, errno) }
                continue
            }
            entries += parseProcNetUDP(text)
        }
        let mine = entries.filter { Int($0.local.port) == port }
        let (owners, complete) = socketOwners(inodes: Set(mine.map(\.inode)), procRoot: procRoot)
        let holders = mine.map { e in
            PortOwnershipReport.Holder(local: e.local, inode: e.inode, uid: e.uid,
                                       pid: owners[e.inode]?.pid, command: owners[e.inode]?.command)
        }
        return report(port: port, holders: holders, sawAll: complete)
    }

    static func report(port: Int, holders: [PortOwnershipReport.Holder], sawAll: Bool) -> PortOwnershipReport {
        guard !holders.isEmpty else {
            return PortOwnershipReport(port: port, free: true, holders: [], sawAllProcesses: sawAll, verdict: .pass,
                                       cause: "UDP port \(port) is free", fix: nil)
        }
        let who = holders.map { h in
            h.pid.map { "\(h.command ?? "?") (pid \($0)) on \(h.local)" } ?? "a process of uid \(h.uid) on \(h.local)"
        }
        let pids = Set(holders.compactMap(\.pid)).sorted()
        let fix = pids.isEmpty
            ? "run as root to see which process it is, stop it, or pick another port (50000-50039) in bcdedit and the listener"
            : "stop it (kill \(pids.map(String.init).joined(separator: " "))) or pick another port (50000-50039) in bcdedit and the listener"
        return PortOwnershipReport(port: port, free: false, holders: holders, sawAllProcesses: sawAll, verdict: .fail,
                                   cause: "UDP port \(port) is held by \(who.joined(separator: ", "))", fix: fix)
    }

    /// Parses the kernel's table: addresses are hex in host byte order per 32-bit word.
    public static func parseProcNetUDP(_ text: String) -> [UDPSocketEntry] {
        text.split(separator: "\n").dropFirst().compactMap { line in
            let f = line.split(separator: " ", omittingEmptySubsequences: true)
            guard f.count >= 10 else { return nil }
            let local = f[1].split(separator: ":")
            guard local.count == 2, let port = UInt16(local[1], radix: 16),
                  let address = procAddress(local[0]), let uid = Int(f[7]), let inode = UInt64(f[9]) else { return nil }
            return UDPSocketEntry(local: Endpoint(address: address, port: port), uid: uid, inode: inode)
        }
    }

    /// /proc prints each 32-bit word of the address as the hex of a native (little-endian) integer.
    static func procAddress(_ hex: Substring) -> IPAddress? {
        guard hex.count == 8 || hex.count == 32, let raw = [UInt8](hex: hex) else { return nil }
        var bytes: [UInt8] = []
        for word in stride(from: 0, to: raw.count, by: 4) { bytes += raw[word..<(word + 4)].reversed() }
        return IPAddress(bytes: bytes)?.unmapped
    }

    /// Maps socket inodes to the first process holding them.
    static func socketOwners(inodes: Set<UInt64>, procRoot: String) -> ([UInt64: (pid: Int, command: String)], Bool) {
        guard !inodes.isEmpty else { return ([:], true) }
        var found: [UInt64: (pid: Int, command: String)] = [:]
        var complete = true
        let pids = ((try? FileManager.default.contentsOfDirectory(atPath: procRoot)) ?? []).compactMap { Int($0) }.sorted()
        for pid in pids {
            let fdDir = "\(procRoot)/\(pid)/fd"
            guard let fds = try? FileManager.default.contentsOfDirectory(atPath: fdDir) else { complete = false; continue }
            for fd in fds {
                guard let link = try? FileManager.default.destinationOfSymbolicLink(atPath: "\(fdDir)/\(fd)"),
                      link.hasPrefix("socket:["), let inode = UInt64(link.dropFirst(8).dropLast()),
                      inodes.contains(inode), found[inode] == nil else { continue }
                let comm = (try? String(contentsOfFile: "\(procRoot)/\(pid)/comm", encoding: .utf8))?
                    .trimmingCharacters(in: .whitespacesAndNewlines) ?? "?"
                found[inode] = (pid, comm)
            }
        }
        return (found, complete)
    }
}
