import Foundation

/// The kernel's IPv4 neighbour (ARP) table, read from /proc/net/arp: how the listener
/// names the target's MAC address. IPv6 neighbours are not looked up.
public enum NeighbourTable {
    public static func mac(for address: String, table path: String = "/proc/net/arp") -> String? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        return mac(for: address, in: text)
    }

    /// Columns: IP address, HW type, Flags, HW address, Mask, Device. Flags 0x0 marks an
    /// incomplete entry, whose all-zero address means nothing.
    static func mac(for address: String, in text: String) -> String? {
        for line in text.split(separator: "\n").dropFirst() {
            let f = line.split(separator: " ", omittingEmptySubsequences: true)
            guard f.count >= 4, f[0] == address, f[2] != "0x0", f[3] != "00:00:00:00:00:00" else { continue }
            return String(f[3])
        }
        return nil
    }
}
