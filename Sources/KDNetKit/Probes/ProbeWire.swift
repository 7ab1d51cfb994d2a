import Crypto
import Foundation

/// The UDP reachability probe's datagrams.
///
/// All integers big-endian. A request (76 bytes):
///
///     0  magic   "KDPB" (4)        tells a probe from KDNET or stray traffic
///     4  version 1 (1)             bumped on any layout change
///     5  kind    1 request, 2 reply (1)
///     6  reserved 0 (2)
///     8  session (8)               random per `probe send` run; the responder counts per session
///    16  nonce   (16)              random per probe; a reply must echo it
///    32  seq     (4)               probe number within the session
///    36  sent_ns (8)               sender's wall clock, echoed back (informative only)
///    44  tag     HMAC-SHA256 (32)  over bytes 0..<44
///
/// A reply (107 bytes) repeats bytes 4..<44 of the request with kind 2, then:
///
///    44  responder_ns (8)          responder's wall clock when it answered
///    52  received (4)              requests of this session the responder has seen so far,
///                                  which splits loss into the two directions
///    56  seen_family 4 or 6 (1)    the source address the request arrived from,
///    57  seen_port (2)             as the responder saw it: differs from the sender's own
///    59  seen_addr (16)            address when a NAT sits between (IPv4 in the first 4)
///    75  tag     HMAC-SHA256 (32)  over bytes 0..<75
///
/// The tag key is HKDF-SHA256 of the shared key (see `ProbeKey`); tags are compared in
/// constant time, so a stray or spoofing responder cannot forge an answer, and the
/// echoed nonce stops replies from being replayed.
public enum ProbeWire {
    public static let magic: [UInt8] = Array("KDPB".utf8)
    public static let version: UInt8 = 1
    public static let requestLength = 76
    public static let replyLength = 107

    public struct Request: Sendable, Equatable {
        public var session: UInt64
        public var nonce: [UInt8]
        public var seq: UInt32
        public var sentNanoseconds: UInt64
    }

    public struct Reply: Sendable, Equatable {
        public var request: Request
        public var responderNanoseconds: UInt64
        public var received: UInt32
        public var seen: Endpoint
    }

    public enum Rejection: String, Error, Sendable {
        case tooShort = "too short", badMagic = "not a probe", badVersion = "unknown version",
             wrongKind = "wrong kind", badTag = "authentication failed"
    }

    public static func encode(_ r: Request, key: ProbeKey) -> [UInt8] {
        var out = header(r, kind: 1)
        out += key.tag(out)
        return out
    }

    public static func encode(_ reply: Reply, key: ProbeKey) -> [UInt8] {
        var out = header(reply.request, kind: 2)
        out.appendBig(reply.responderNanoseconds)
        out.appendBig(reply.received)
        let a = reply.seen.address
        out.append(a.isIPv4 ? 4 : 6)
        out.appendBig(reply.seen.port)
        out += a.bytes + [UInt8](repeating: 0, count: 16 - a.bytes.count)
        out += key.tag(out)
        return out
    }

    public static func decodeRequest(_ bytes: [UInt8], key: ProbeKey) throws(Rejection) -> Request {
        let body = try authenticated(bytes, length: requestLength, kind: 1, key: key)
        return request(from: body)
    }

    public static func decodeReply(_ bytes: [UInt8], key: ProbeKey) throws(Rejection) -> Reply {
        let body = try authenticated(bytes, length: replyLength, kind: 2, key: key)
        var r = ByteReader(body, at: 44)
        let responder = r.u64(), received = r.u32(), family = r.u8(), port = r.u16()
        let addr = r.bytes(16)
        guard family == 4 || family == 6 else { throw .tooShort }
        let seen = IPAddress(bytes: family == 4 ? Array(addr[0..<4]) : addr)!
        return Reply(request: request(from: body), responderNanoseconds: responder, received: received,
                     seen: Endpoint(address: seen, port: port))
    }

    private static func header(_ r: Request, kind: UInt8) -> [UInt8] {
        var out = magic + [version, kind, 0, 0]
        out.appendBig(r.session)
        out += r.nonce
        out.appendBig(r.seq)
        out.appendBig(r.sentNanoseconds)
        return out
    }

    private static func request(from body: [UInt8]) -> Request {
        var r = ByteReader(body, at: 8)
        let session = r.u64(), nonce = r.bytes(16), seq = r.u32(), sent = r.u64()
        return Request(session: session, nonce: nonce, seq: seq, sentNanoseconds: sent)
    }

    /// Checks framing and tag before any field is trusted; returns the bytes before the tag.
    private static func authenticated(_ bytes: [UInt8], length: Int, kind: UInt8, key: ProbeKey) throws(Rejection) -> [UInt8] {
        guard bytes.count >= 6 else { throw .tooShort }
        guard Array(bytes[0..<4]) == magic else { throw .badMagic }
        guard bytes[4] == version else { throw .badVersion }
        guard bytes[5] == kind else { throw .wrongKind }
        guard bytes.count == length else { throw .tooShort }
        let body = Array(bytes[0..<(length - 32)])
        guard SecureRandom.constantTimeEqual(key.tag(body), Array(bytes[(length - 32)...])) else { throw .badTag }
        return body
    }
}

/// The probe's MAC key: HKDF-SHA256 of a KDNET key's 32 bytes, or of any other shared
/// passphrase's UTF-8, so the KDNET key itself never keys a second protocol.
public struct ProbeKey: Sendable, CustomStringConvertible {
    private let key: SymmetricKey

    public init(_ text: String) throws(ProbeInputError) {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw .emptyKey }
        let material = (try? DebugKey(parsing: trimmed))?.bytes ?? Array(trimmed.utf8)
        key = HKDF<SHA256>.deriveKey(inputKeyMaterial: SymmetricKey(data: material),
                                     salt: Array("kdnetctl probe".utf8), info: Array("hmac v1".utf8), outputByteCount: 32)
    }

    func tag(_ bytes: [UInt8]) -> [UInt8] { Array(HMAC<SHA256>.authenticationCode(for: bytes, using: key)) }

    public var description: String { "ProbeKey(redacted)" }
}

extension Array where Element == UInt8 {
    mutating func appendBig<T: FixedWidthInteger>(_ v: T) {
        Swift.withUnsafeBytes(of: v.bigEndian) { append(contentsOf: $0) }
    }
}

struct ByteReader {
    private let data: [UInt8]
    private var at: Int
    init(_ data: [UInt8], at: Int = 0) { self.data = data; self.at = at }
    mutating func bytes(_ n: Int) -> [UInt8] { defer { at += n }; return Array(data[at..<(at + n)]) }
    mutating func u8() -> UInt8 { bytes(1)[0] }
    mutating func u16() -> UInt16 { UInt16(big: bytes(2)) }
    mutating func u32() -> UInt32 { UInt32(big: bytes(4)) }
    mutating func u64() -> UInt64 { UInt64(big: bytes(8)) }
}

extension FixedWidthInteger {
    init(big bytes: [UInt8]) { self = bytes.reduce(0) { $0 << 8 | Self($1) } }
}
