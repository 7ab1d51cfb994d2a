import Foundation

/// Writes classic pcap files (microsecond timestamps), buffered, for tests and for
/// generating large captures to measure `inspect` against.
public final class PcapWriter {
    private let handle: FileHandle
    private var buffer: [UInt8] = []
    public let linkType: LinkType

    /// Creates (or truncates) the file and writes the pcap file header.
    public init(url: URL, linkType: LinkType, snapLength: UInt32 = 65535) throws {
        guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
            throw CaptureError.cannotOpen(url.path, "cannot create the file")
        }
        handle = try FileHandle(forWritingTo: url)
        self.linkType = linkType
        buffer.reserveCapacity(1 << 20)
        put32(0xA1B2_C3D4); put16(2); put16(4); put32(0); put32(0); put32(snapLength)
        put32(UInt32(linkType == .rawLinktype || linkType == .raw ? 101 : linkType.rawValue))
    }

    /// Appends one frame. `originalLength` larger than the bytes marks a frame cut by the snap length.
    public func append(_ frame: [UInt8], time: Double, originalLength: Int? = nil) throws {
        let seconds = time.rounded(.down)
        put32(UInt32(seconds)); put32(UInt32(((time - seconds) * 1_000_000).rounded()))
        put32(UInt32(frame.count)); put32(UInt32(originalLength ?? frame.count))
        buffer += frame
        if buffer.count >= 1 << 20 { try flush() }
    }

    public func close() throws {
        try flush()
        try handle.close()
    }

    private func flush() throws {
        try handle.write(contentsOf: buffer)
        buffer.removeAll(keepingCapacity: true)
    }

    private func put16(_ v: UInt16) { buffer.append(UInt8(v & 0xFF)); buffer.append(UInt8(v >> 8)) }
    private func put32(_ v: UInt32) { put16(UInt16(v & 0xFFFF)); put16(UInt16(v >> 16)) }
}

/// Builds link + IP + UDP frames around a payload, the way a capture would hold them.
public enum FrameBuilder {
    public static func udp(_ payload: [UInt8], from source: UDPEndpoint, to destination: UDPEndpoint,
                           link: LinkType, vlan: UInt16? = nil) -> [UInt8] {
        precondition(source.address.isIPv4 == destination.address.isIPv4, "both ends must be the same IP family")
        let v4 = source.address.isIPv4
        var udp: [UInt8] = []
        udp.be16(source.port); udp.be16(destination.port); udp.be16(UInt16(8 + payload.count)); udp.be16(0)
        udp += payload
        let packet = v4 ? ipv4(udp, source.address, destination.address) : ipv6(udp, source.address, destination.address)
        return linkHeader(link, ethertype: v4 ? 0x0800 : 0x86DD, vlan: vlan) + packet
    }

    /// An IPv4 packet with the given fragment fields, carrying `bytes` as-is.
    public static func ipv4(_ bytes: [UInt8], _ source: PacketAddress, _ destination: PacketAddress,
                            moreFragments: Bool = false, fragmentOffset: UInt16 = 0) -> [UInt8] {
        var ip: [UInt8] = [0x45, 0]
        ip.be16(UInt16(20 + bytes.count)); ip.be16(0x1234)
        ip.be16((moreFragments ? 0x2000 : 0) | fragmentOffset)
        ip += [64, 17, 0, 0]
        return ip + source.bytes + destination.bytes + bytes
    }

    static func ipv6(_ bytes: [UInt8], _ source: PacketAddress, _ destination: PacketAddress) -> [UInt8] {
        var ip: [UInt8] = [0x60, 0, 0, 0]
        ip.be16(UInt16(bytes.count)); ip += [17, 64]
        return ip + source.bytes + destination.bytes + bytes
    }

    public static func linkHeader(_ link: LinkType, ethertype: UInt16, vlan: UInt16? = nil) -> [UInt8] {
        var h: [UInt8] = []
        switch link {
        case .ethernet:
            h = [0x02, 0, 0, 0, 0, 0x01, 0x02, 0, 0, 0, 0, 0x02]
            if let vlan { h.be16(0x8100); h.be16(vlan) }
            h.be16(ethertype)
        case .linuxSLL:
            h = [0, 0, 0, 1, 0, 6, 0x02, 0, 0, 0, 0, 0x02, 0, 0]
            h.be16(ethertype)
        case .linuxSLL2:
            h.be16(ethertype); h += [0, 0, 0, 0, 0, 1, 0, 1, 0, 6, 0x02, 0, 0, 0, 0, 0x02, 0, 0]
        case .null:
            let family: UInt32 = ethertype == 0x0800 ? 2 : 24
            h = [UInt8(family & 0xFF), 0, 0, 0]
        case .loop:
            h = [0, 0, 0, ethertype == 0x0800 ? 2 : 24]
        case .raw, .rawOpenBSD, .rawLinktype, .ipv4, .ipv6:
            break
        }
        return h
    }
}

extension Array where Element == UInt8 {
    mutating func be16(_ v: UInt16) { append(UInt8(v >> 8)); append(UInt8(v & 0xFF)) }
}
