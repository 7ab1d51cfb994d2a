/// Little-endian readers and writers for the KD structures.
extension Array where Element == UInt8 {
    @inlinable func le16(_ o: Int) -> UInt16 { UInt16(self[o]) | UInt16(self[o + 1]) << 8 }
    @inlinable func le32(_ o: Int) -> UInt32 { UInt32(le16(o)) | UInt32(le16(o + 2)) << 16 }
    @inlinable func le64(_ o: Int) -> UInt64 { UInt64(le32(o)) | UInt64(le32(o + 4)) << 32 }
    mutating func put16(_ v: UInt16) { append(UInt8(v & 0xFF)); append(UInt8(v >> 8)) }
    mutating func put32(_ v: UInt32) { put16(UInt16(v & 0xFFFF)); put16(UInt16(v >> 16)) }
    mutating func put64(_ v: UInt64) { put32(UInt32(v & 0xFFFF_FFFF)); put32(UInt32(v >> 32)) }
}

/// One kernel-debugger packet as carried in a KDNET data datagram (no trailing 0xAA).
public struct KDPacket: Sendable, Equatable {
    public enum Leader: UInt32, Sendable, Codable {
        case data = 0x3030_3030
        case control = 0x6969_6969
        case breakIn = 0x6262_6262
    }

    /// KD packet types; raw values the wire carries.
    public enum PacketType: UInt16, Sendable, Codable, CaseIterable {
        case unused = 0, stateChange32 = 1, stateManipulate = 2, debugIO = 3, acknowledge = 4
        case resend = 5, reset = 6, stateChange64 = 7, pollBreakIn = 8, traceIO = 9
        case controlRequest = 10, fileIO = 11

        public var name: String {
            switch self {
            case .unused: return "UNUSED"
            case .stateChange32: return "STATE_CHANGE32"
            case .stateManipulate: return "STATE_MANIPULATE"
            case .debugIO: return "DEBUG_IO"
            case .acknowledge: return "ACKNOWLEDGE"
            case .resend: return "RESEND"
            case .reset: return "RESET"
            case .stateChange64: return "STATE_CHANGE64"
            case .pollBreakIn: return "POLL_BREAKIN"
            case .traceIO: return "TRACE_IO"
            case .controlRequest: return "CONTROL_REQUEST"
            case .fileIO: return "FILE_IO"
            }
        }
    }

    public static let headerLength = 16
    /// The host's KD packet ids start here and go up by 2 per packet.
    public static let initialHostPacketID: UInt32 = 0x8000_0000
    /// A KDNET break-in is a data payload of this single byte.
    public static let breakInByte: UInt8 = 0x62

    public var leader: Leader
    public var type: PacketType
    public var id: UInt32
    public var data: [UInt8]

    public init(leader: Leader, type: PacketType, id: UInt32, data: [UInt8] = []) {
        self.leader = leader; self.type = type; self.id = id; self.data = data
    }

    public static func control(_ type: PacketType, id: UInt32) -> KDPacket {
        KDPacket(leader: .control, type: type, id: id)
    }

    /// The 32-bit sum of the data bytes; control packets carry zero.
    public static func checksum(_ data: [UInt8]) -> UInt32 {
        data.reduce(UInt32(0)) { $0 &+ UInt32($1) }
    }

    public init(bytes: [UInt8]) throws(KDPacketError) {
        let parsed: Result<KDPacket, KDPacketError> = bytes.withUnsafeBytes { raw in
            Result { () throws(KDPacketError) in
                let view = try KDPacketView(raw)
                return KDPacket(leader: view.leader, type: view.type, id: view.id, data: Array(view.data))
            }
        }
        self = try parsed.get()
    }

    public func encoded() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(Self.headerLength + data.count)
        out.put32(leader.rawValue)
        out.put16(type.rawValue)
        out.put16(UInt16(data.count))
        out.put32(id)
        out.put32(Self.checksum(data))
        out.append(contentsOf: data)
        return out
    }
}

/// A KD packet checked in place, its data borrowed from the bytes it was read from
/// (valid as long as they are): how a capture reader decodes without copying.
public struct KDPacketView {
    public var leader: KDPacket.Leader
    public var type: KDPacket.PacketType
    public var id: UInt32
    public var data: UnsafeRawBufferPointer

    public init(_ bytes: UnsafeRawBufferPointer) throws(KDPacketError) {
        guard bytes.count >= KDPacket.headerLength else { throw .truncated(bytes.count) }
        let rawLeader = bytes.le32(0)
        guard let leader = KDPacket.Leader(rawValue: rawLeader) else { throw .badLeader(rawLeader) }
        let rawType = bytes.le16(4)
        guard let type = KDPacket.PacketType(rawValue: rawType) else { throw .unknownType(rawType) }
        let count = Int(bytes.le16(6))
        guard bytes.count - KDPacket.headerLength == count else {
            throw .lengthMismatch(declared: count, actual: bytes.count - KDPacket.headerLength)
        }
        let data = UnsafeRawBufferPointer(rebasing: bytes[KDPacket.headerLength...])
        guard bytes.le32(12) == data.byteSum else { throw .badChecksum }
        self.leader = leader; self.type = type; self.id = bytes.le32(8); self.data = data
    }
}

extension UnsafeRawBufferPointer {
    @inlinable func le16(_ o: Int) -> UInt16 { UInt16(self[o]) | UInt16(self[o + 1]) << 8 }
    @inlinable func le32(_ o: Int) -> UInt32 { UInt32(le16(o)) | UInt32(le16(o + 2)) << 16 }

    /// The sum of the bytes, as KD's packet checksum is. Eight at a time: the byte loop
    /// (one bounds-checked load each) was the largest cost of decoding a DbgPrint packet.
    var byteSum: UInt32 {
        guard let base = baseAddress else { return 0 }
        let words = count / 8
        var sum: UInt64 = 0
        var i = 0
        while i < words {
            // Bytes into 16-bit lanes: at most 128 words (510 a lane each) before a
            // lane could pass 0xFFFF, then folded into `sum`.
            var lanes: UInt64 = 0
            let stop = Swift.min(words, i + 128)
            while i < stop {
                let w = base.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self)
                lanes &+= (w & 0x00FF_00FF_00FF_00FF) &+ ((w >> 8) & 0x00FF_00FF_00FF_00FF)
                i += 1
            }
            sum &+= (lanes & 0xFFFF) &+ ((lanes >> 16) & 0xFFFF) &+ ((lanes >> 32) & 0xFFFF) &+ (lanes >> 48)
        }
        for k in (words * 8)..<count { sum &+= UInt64(base.load(fromByteOffset: k, as: UInt8.self)) }
        return UInt32(truncatingIfNeeded: sum)
    }

    /// Where the first zero byte is (`count` when none), a word at a time.
    var firstZero: Int {
        guard let base = baseAddress else { return 0 }
        var i = 0
        while i + 8 <= count {
            let w = base.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            // Some byte of w is zero exactly when this is non-zero (the classic bit trick).
            if (w &- 0x0101_0101_0101_0101) & ~w & 0x8080_8080_8080_8080 != 0 { break }
            i += 8
        }
        while i < count, base.load(fromByteOffset: i, as: UInt8.self) != 0 { i += 1 }
        return i
    }
}

public enum KDPacketError: Error, Equatable, Sendable, CustomStringConvertible {
    case truncated(Int)
    case badLeader(UInt32)
    case unknownType(UInt16)
    case lengthMismatch(declared: Int, actual: Int)
    case badChecksum
    case truncatedBody(String)

    /// Where in a payload of `count` bytes the packet stops making sense: the field that
    /// is wrong, or the end where bytes ran out.
    public func offset(inPayloadOf count: Int) -> Int {
        switch self {
        case .truncated(let n): return n
        case .badLeader: return 0
        case .unknownType: return 4
        case .lengthMismatch: return 6
        case .badChecksum: return 12
        case .truncatedBody: return count
        }
    }

    public var description: String {
        switch self {
        case .truncated(let n): return "KD packet truncated to \(n) bytes"
        case .badLeader(let l): return "bad KD packet leader 0x\(String(l, radix: 16))"
        case .unknownType(let t): return "unknown KD packet type \(t)"
        case .lengthMismatch(let d, let a): return "KD packet says \(d) data bytes but carries \(a)"
        case .badChecksum: return "KD packet checksum does not match its data"
        case .truncatedBody(let what): return "\(what) body is too short"
        }
    }
}
