import Testing
@testable import KDNetKit

/// The word-at-a-time checksum and zero search agree with the byte-by-byte definitions,
/// at every length around a word and past the point where a 16-bit lane could overflow.
@Suite struct KDPacketScanTests {
    static let lengths = Array(0...17) + [127 * 8, 128 * 8 - 1, 128 * 8, 128 * 8 + 9, 4096, 65_000]

    @Test(arguments: lengths) func theChecksumOfADataPacketIsTheSumOfItsBytes(length: Int) throws {
        var generator = SystemRandomNumberGenerator()
        for fill in [UInt8?.none, 0xFF] {
            let data = (0..<length).map { _ in fill ?? UInt8.random(in: 0...255, using: &generator) }
            let bytes = KDPacket(leader: .data, type: .debugIO, id: 1, data: data).encoded()
            let stored = bytes[12..<16].reversed().reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            #expect(stored == data.reduce(UInt32(0)) { $0 &+ UInt32($1) })
            #expect(try KDPacket(bytes: bytes).data == data)
            guard length > 0 else { continue }
            var damaged = bytes
            damaged[16 + length / 2] &+= 1
            #expect(throws: KDPacketError.badChecksum) { try KDPacket(bytes: damaged) }
        }
    }

    @Test(arguments: [0, 1, 7, 8, 9, 15, 16, 63, 200]) func aPrintStopsAtItsFirstZero(at zero: Int) throws {
        let text = String(repeating: "abcdefgh", count: 40)
        var io = DebugIO.printString(text)
        if 16 + zero < io.count { io[16 + zero] = 0 }
        #expect(try DebugIO(data: io).text == String(text.prefix(zero)))
        // Bytes that only look like a zero to a word test (0x80 and 0x01 pairs) are not one.
        let tricky: [UInt8] = [0x81, 0x01, 0x80, 0xFF, 0x7F, 0x01, 0x01, 0x80, 0x41]
        var d = DebugIO.printString(""); d.removeLast(d.count - 16)
        d.replaceSubrange(8..<12, with: [UInt8(tricky.count), 0, 0, 0])
        #expect(try DebugIO(data: d + tricky).text == String(decoding: tricky, as: UTF8.self))
    }
}
