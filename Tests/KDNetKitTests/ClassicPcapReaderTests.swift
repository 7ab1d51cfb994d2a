import Foundation
import Testing
@testable import KDNetKit

/// kdnetctl's own reader of classic pcap files hands out exactly what libpcap does:
/// the same frames, times and end, for both byte orders, nanosecond files, frames past
/// the snap length and files cut anywhere.
@Suite struct ClassicPcapReaderTests {
    struct Read: Equatable {
        var link: LinkType
        var frames: [[UInt8]]
        var times: [Double]
        var end: CaptureEnd
    }

    static func read(_ url: URL, libpcapOnly: Bool) throws -> Read {
        let capture = try PacketCapture.open(file: url.path, libpcapOnly: libpcapOnly)
        var frames: [[UInt8]] = [], times: [Double] = []
        let end = capture.forEachFrame { time, frame in frames.append(Array(frame)); times.append(time) }
        return Read(link: capture.linkType, frames: frames, times: times, end: end)
    }

    /// Both readers on the same file; the classic one really took it.
    static func expectSame(_ url: URL, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        #expect(ClassicPcapReader.open(path: url.path) != nil, "\(what): not taken by the classic reader", sourceLocation: sourceLocation)
        let ours = try read(url, libpcapOnly: false), theirs = try read(url, libpcapOnly: true)
        #expect(ours == theirs, "\(what)", sourceLocation: sourceLocation)
    }

    let dir: URL
    init() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("kdnet-pcap-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    /// Frames of many sizes, some past 1 MiB of file so a record straddles the reader's blocks.
    func capture(snap: UInt32 = 65535, link: LinkType = .ethernet) throws -> (URL, [UInt8]) {
        let url = dir.appendingPathComponent("c-\(UUID().uuidString).pcap")
        let writer = try PcapWriter(url: url, linkType: link, snapLength: snap)
        var generator = SystemRandomNumberGenerator()
        for i in 0..<900 {
            let size = [0, 1, 14, 60, 1514, 9000, 3][i % 7] + i % 5
            try writer.append((0..<size).map { _ in UInt8.random(in: 0...255, using: &generator) }, time: 1_700_000_000 + Double(i) * 0.001_234)
        }
        try writer.close()
        return (url, Array(try Data(contentsOf: url)))
    }

    func write(_ bytes: [UInt8], _ name: String) throws -> URL {
        let url = dir.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url
    }

    /// The file with every header field in the other byte order (and nanosecond times when asked).
    static func converted(_ bytes: [UInt8], swap: Bool, nanoseconds: Bool) -> [UInt8] {
        var out = bytes
        func get(_ o: Int) -> UInt32 { UInt32(bytes[o]) | UInt32(bytes[o + 1]) << 8 | UInt32(bytes[o + 2]) << 16 | UInt32(bytes[o + 3]) << 24 }
        func put(_ o: Int, _ v: UInt32) { let w = swap ? v.byteSwapped : v; for k in 0..<4 { out[o + k] = UInt8(truncatingIfNeeded: w >> (8 * k)) } }
        put(0, nanoseconds ? 0xA1B2_3C4D : 0xA1B2_C3D4)
        let version = [bytes[4], bytes[5], bytes[6], bytes[7]]
        out[4...7] = swap ? [version[1], version[0], version[3], version[2]] : version[...]
        for o in [8, 12, 16, 20] { put(o, get(o)) }
        var at = 24
        while at + 16 <= bytes.count {
            let caplen = get(at + 8)
            put(at, get(at)); put(at + 4, nanoseconds ? get(at + 4) * 1000 + 999 : get(at + 4)); put(at + 8, caplen); put(at + 12, get(at + 12))
            at += 16 + Int(caplen)
        }
        return out
    }

    @Test func bothByteOrdersAndNanosecondFilesReadAsLibpcapReadsThem() throws {
        defer { try? FileManager.default.removeItem(at: dir) }
        let (url, bytes) = try capture()
        try Self.expectSame(url, "little-endian microseconds")
        #expect(try Self.read(url, libpcapOnly: false).frames.count == 900)
        for (swap, ns) in [(true, false), (false, true), (true, true)] {
            try Self.expectSame(try write(Self.converted(bytes, swap: swap, nanoseconds: ns), "s\(swap)-n\(ns).pcap"), "swapped \(swap), nanoseconds \(ns)")
        }
    }

    @Test func framesPastTheSnapLengthAreCutToIt() throws {
        defer { try? FileManager.default.removeItem(at: dir) }
        let (_, bytes) = try capture()
        var small = bytes
        small[16] = 0xC8; small[17] = 0; small[18] = 0; small[19] = 0   // snap length 200
        try Self.expectSame(try write(small, "snap.pcap"), "snap length 200")
        #expect(try Self.read(try write(small, "snap2.pcap"), libpcapOnly: false).frames.map(\.count).max() == 200)
        var unset = bytes
        unset[16...19] = [0, 0, 0, 0]
        try Self.expectSame(try write(unset, "snap0.pcap"), "snap length 0")
        let (raw, _) = try capture(link: .raw)
        try Self.expectSame(raw, "raw IP (LINKTYPE_RAW)")
    }

    @Test func aFileCutAnywhereEndsAsLibpcapSays() throws {
        defer { try? FileManager.default.removeItem(at: dir) }
        let (_, bytes) = try capture()
        // Inside the first records, every byte; then around records further on and a block's end.
        let cuts = Array(24...400) + Array(stride(from: 1_048_000, to: 1_049_200, by: 37)) + [bytes.count - 1, bytes.count - 17]
        for cut in cuts where cut < bytes.count {
            try Self.expectSame(try write(Array(bytes[..<cut]), "cut.pcap"), "cut at \(cut)")
        }
        // A length no frame can have.
        var huge = bytes
        huge[24 + 8] = 0xFF; huge[24 + 9] = 0xFF; huge[24 + 10] = 0x7F
        let end = try Self.read(try write(huge, "huge.pcap"), libpcapOnly: false).end
        #expect(end == .cutShort("invalid packet capture length 8388607, bigger than snaplen of 65535"))
        try Self.expectSame(try write(huge, "huge.pcap"), "an impossible frame length")
    }

    @Test func whatItDoesNotTakeIsLeftToLibpcap() throws {
        defer { try? FileManager.default.removeItem(at: dir) }
        let (_, bytes) = try capture()
        var fcs = bytes
        fcs[23] = 0x10   // FCS bits in the link-type field
        var v22 = bytes
        v22[6] = 2       // version 2.2
        var unknownLink = bytes
        unknownLink[20] = 147
        for (b, name) in [(fcs, "fcs"), (v22, "v22"), (unknownLink, "user0"), (Array(bytes[..<20]), "short")] {
            #expect(ClassicPcapReader.open(path: try write(b, "\(name).pcap").path) == nil, "\(name)")
        }
        #expect(ClassicPcapReader.open(path: "/dev/stdin") == nil)
    }
}
