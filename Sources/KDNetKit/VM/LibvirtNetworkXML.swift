import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// Reads `virsh net-dumpxml` output.
public enum LibvirtNetworkXML {
    public static func parse(_ xml: String) throws -> LibvirtNetwork {
        let doc: XMLDocument
        switch XMLText.document(xml) {
        case .success(let d): doc = d
        case .failure(let e): throw LibvirtNetworkXMLError.notXML(oneLine(e))
        }
        guard let root = doc.rootElement() else { throw LibvirtNetworkXMLError.notXML("no root element") }
        guard root.name == "network" else { throw LibvirtNetworkXMLError.notANetwork(root.name ?? "?") }
        guard let name = root.child("name")?.text else { throw LibvirtNetworkXMLError.missingName }

        var net = LibvirtNetwork(name: name, bridge: root.child("bridge")?.attr("name"))
        if let forward = root.child("forward") {
            // libvirt's default for a <forward> without mode is nat.
            let raw = forward.attr("mode") ?? "nat"
            net.forwardModeRaw = raw
            net.forwardMode = LibvirtNetwork.ForwardMode(rawValue: raw) ?? .other
            if net.forwardMode == .none { net.forwardMode = .other }
        }

        let ipv4 = root.children("ip").first { ($0.attr("family") ?? "ipv4") == "ipv4" }
        if let ip = ipv4 {
            net.ipv4Address = ip.attr("address")
            net.ipv4Prefix = XMLText.int(ip.attr("prefix")) ?? ip.attr("netmask").flatMap(prefixLength)
            if let dhcp = ip.child("dhcp") {
                net.dhcpEnabled = true
                net.dhcpRanges = dhcp.children("range").compactMap { r in
                    guard let s = r.attr("start"), let e = r.attr("end") else { return nil }
                    return LibvirtNetwork.DHCPRange(start: s, end: e)
                }
            }
        }
        return net
    }

    /// "255.255.255.0" -> 24; nil for a mask that is not contiguous ones.
    static func prefixLength(_ netmask: String) -> Int? {
        let octets = netmask.split(separator: ".").compactMap { UInt8($0) }
        guard octets.count == 4 else { return nil }
        let bits = octets.reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        let ones = bits.leadingZeroBitCount == 0 ? (~bits).leadingZeroBitCount : 0
        guard bits == (ones == 0 ? 0 : UInt32.max << (32 - ones)) else { return nil }
        return ones
    }
}

/// An XML parser error as one line for the error message.
func oneLine(_ error: Error) -> String {
    let text = (error as? XMLText.NotWellFormed)?.description ?? (error as NSError).localizedDescription
    return text.split(whereSeparator: \.isNewline).joined(separator: " ")
}
