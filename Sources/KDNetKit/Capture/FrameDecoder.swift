/// Link-layer types inspect understands, by the value libpcap reports.
public enum LinkType: Int32, Sendable, CaseIterable {
    case null = 0           // BSD loopback: 4-byte address family in the writer's byte order
    case ethernet = 1       // including 802.1Q / 802.1ad VLAN tags
    case raw = 12           // DLT_RAW on Linux; libpcap maps LINKTYPE_RAW (101) here
    case rawOpenBSD = 14
    case rawLinktype = 101
    case loop = 108         // like null, network byte order
    case linuxSLL = 113     // Linux cooked capture v1 (`tcpdump -i any`)
    case ipv4 = 228
    case ipv6 = 229
    case linuxSLL2 = 276    // Linux cooked capture v2

    /// What inspect reads, for the message about a link type it does not.
    public static let supportedSummary = "Ethernet (with VLAN tags), Linux cooked v1/v2 (`tcpdump -i any`), raw IPv4/IPv6 and BSD/OpenBSD loopback captures"

    public var name: String {
        switch self {
        case .null: return "BSD loopback"
        case .ethernet: return "Ethernet"
        case .raw, .rawOpenBSD, .rawLinktype: return "raw IP"
        case .loop: return "OpenBSD loopback"
        case .linuxSLL: return "Linux cooked v1"
        case .ipv4: return "raw IPv4"
        case .ipv6: return "raw IPv6"
        case .linuxSLL2: return "Linux cooked v2"
        }
    }
}

/// What one captured frame holds, as far as inspect cares.
public enum FrameContent: Sendable, Equatable {
    /// A UDP datagram; `payload` indexes into the frame bytes.
    case udp(source: UDPEndpoint, destination: UDPEndpoint, payload: Range<Int>)
    /// Not UDP over IP (ARP, TCP, ICMP, ...).
    case other
    /// A piece of a fragmented IP datagram: inspect does not reassemble.
    case fragment
    /// Cut short, by the capture's snap length or by damage.
    case truncated
    /// No bytes at all: nothing was cut, there was nothing to capture.
    case empty
}

/// Peels link, IP and UDP headers off a frame without copying it.
public enum FrameDecoder {
    private static let ethertypeIPv4: UInt16 = 0x0800
    private static let ethertypeIPv6: UInt16 = 0x86DD

    public static func decode(_ p: UnsafeRawBufferPointer, link: LinkType) -> FrameContent {
        func be16(_ o: Int) -> UInt16 { UInt16(p[o]) << 8 | UInt16(p[o + 1]) }
        if p.isEmpty { return .empty }
        switch link {
        case .ethernet:
            guard p.count >= 14 else { return .truncated }
            var offset = 12
            var type = be16(offset)
            while type == 0x8100 || type == 0x88A8 || type == 0x9100 {
                offset += 4
                guard p.count >= offset + 2 else { return .truncated }
                type = be16(offset)
            }
            return ethertype(p, type, at: offset + 2)
        case .linuxSLL:
            guard p.count >= 16 else { return .truncated }
            return ethertype(p, be16(14), at: 16)
        case .linuxSLL2:
            guard p.count >= 20 else { return .truncated }
            return ethertype(p, be16(0), at: 20)
        case .raw, .rawOpenBSD, .rawLinktype:
            guard p.count >= 1 else { return .truncated }
            switch p[0] >> 4 {
            case 4: return ipv4(p, at: 0)
            case 6: return ipv6(p, at: 0)
            default: return .other
            }
        case .ipv4: return ipv4(p, at: 0)
        case .ipv6: return ipv6(p, at: 0)
        case .null, .loop:
            guard p.count >= 4 else { return .truncated }
            let native = UInt32(p[0]) | UInt32(p[1]) << 8 | UInt32(p[2]) << 16 | UInt32(p[3]) << 24
            // The family is in the writing host's byte order for null; accept either order.
            let family = min(native, native.byteSwapped)
            switch family {
            case 2: return ipv4(p, at: 4)
            case 10, 24, 28, 30: return ipv6(p, at: 4)
            default: return .other
            }
        }
    }

    private static func ethertype(_ p: UnsafeRawBufferPointer, _ type: UInt16, at offset: Int) -> FrameContent {
        switch type {
        case ethertypeIPv4: return ipv4(p, at: offset)
        case ethertypeIPv6: return ipv6(p, at: offset)
        default: return .other
        }
    }

    private static func ipv4(_ p: UnsafeRawBufferPointer, at o: Int) -> FrameContent {
        guard p.count >= o + 20 else { return .truncated }
        guard p[o] >> 4 == 4 else { return .other }
        let headerLength = Int(p[o] & 0x0F) * 4
        guard headerLength >= 20, p.count >= o + headerLength else { return .truncated }
        let flagsAndOffset = UInt16(p[o + 6]) << 8 | UInt16(p[o + 7])
        let moreFragments = flagsAndOffset & 0x2000 != 0
        guard p[o + 9] == 17 else { return .other }
        if moreFragments || flagsAndOffset & 0x1FFF != 0 { return .fragment }
        let totalLength = Int(UInt16(p[o + 2]) << 8 | UInt16(p[o + 3]))
        // A total length of 0 happens with TCP segmentation offload; trust the capture then.
        let end = totalLength == 0 ? p.count : o + totalLength
        return udp(p, at: o + headerLength, end: end,
                   source: PacketAddress(rawIPv4: p, at: o + 12), destination: PacketAddress(rawIPv4: p, at: o + 16))
    }

    private static func ipv6(_ p: UnsafeRawBufferPointer, at o: Int) -> FrameContent {
        guard p.count >= o + 40 else { return .truncated }
        guard p[o] >> 4 == 6 else { return .other }
        var next = p[o + 6]
        var offset = o + 40
        let end = o + 40 + Int(UInt16(p[o + 4]) << 8 | UInt16(p[o + 5]))
        while true {
            switch next {
            case 17:
                return udp(p, at: offset, end: end,
                           source: PacketAddress(rawIPv6: p, at: o + 8), destination: PacketAddress(rawIPv6: p, at: o + 24))
            case 0, 43, 60: // hop-by-hop, routing, destination options
                guard p.count >= offset + 2 else { return .truncated }
                next = p[offset]
                offset += (Int(p[offset + 1]) + 1) * 8
            case 44:
                guard p.count >= offset + 8 else { return .truncated }
                let field = UInt16(p[offset + 2]) << 8 | UInt16(p[offset + 3])
                // An atomic fragment (offset 0, no more) is a whole datagram.
                if field & 0xFFF9 != 0 { return .fragment }
                next = p[offset]
                offset += 8
            default:
                return .other
            }
        }
    }

    private static func udp(_ p: UnsafeRawBufferPointer, at o: Int, end: Int, source: PacketAddress, destination: PacketAddress) -> FrameContent {
        guard p.count >= o + 8 else { return .truncated }
        let sourcePort = UInt16(p[o]) << 8 | UInt16(p[o + 1])
        let destinationPort = UInt16(p[o + 2]) << 8 | UInt16(p[o + 3])
        let length = Int(UInt16(p[o + 4]) << 8 | UInt16(p[o + 5]))
        guard length >= 8 else { return .truncated }
        let payloadEnd = o + length
        guard payloadEnd <= p.count, payloadEnd <= end else { return .truncated }
        return .udp(source: UDPEndpoint(address: source, port: sourcePort),
                    destination: UDPEndpoint(address: destination, port: destinationPort),
                    payload: (o + 8)..<payloadEnd)
    }
}
