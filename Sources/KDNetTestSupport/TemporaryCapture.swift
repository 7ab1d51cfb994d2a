import Foundation
import KDNetKit

/// A pcap file in a fresh temporary folder.
public struct TemporaryCapture {
    public let url: URL
    public let writer: PcapWriter
    private var time = 1_700_000_000.0

    public init(link: LinkType, name: String = "capture.pcap") throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("inspect-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        url = folder.appendingPathComponent(name)
        writer = try PcapWriter(url: url, linkType: link)
    }

    public mutating func add(_ payload: [UInt8], from source: UDPEndpoint, to destination: UDPEndpoint, vlan: UInt16? = nil) throws {
        time += 0.001
        try writer.append(FrameBuilder.udp(payload, from: source, to: destination, link: writer.linkType, vlan: vlan), time: time)
    }

    public mutating func addFrame(_ frame: [UInt8]) throws {
        time += 0.001
        try writer.append(frame, time: time)
    }

    public func close() throws { try writer.close() }
}
