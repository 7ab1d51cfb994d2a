/// One KDNET UDP datagram, decrypted: everything the wire layout carries.
///
/// Wire layout: `MDBG`, version, channel (clear), then AES-256-CBC over
/// [header word (big-endian `seq << 8 | dir | pad`), payload, zero padding], then a
/// 16-byte tag that is also the IV.
public struct KDNetDatagram: Sendable, Equatable {
    public enum Channel: UInt8, Sendable, Codable { case data = 0, control = 1 }
    public enum Direction: UInt8, Sendable, Codable { case targetToHost = 0x00, hostToTarget = 0x80 }

    public var version: UInt8
    public var channel: Channel
    public var sequence: UInt64
    public var direction: Direction
    public var payload: [UInt8]

    public init(version: UInt8, channel: Channel, sequence: UInt64, direction: Direction, payload: [UInt8]) {
        self.version = version; self.channel = channel; self.sequence = sequence
        self.direction = direction; self.payload = payload
    }

    public static let magic: [UInt8] = Array("MDBG".utf8)
    static let clearHeaderLength = 6
    /// Where the payload starts in the datagram: after the clear header and the header word.
    public static let payloadOffset = clearHeaderLength + 8
    static let minimumLength = clearHeaderLength + 16 + DatagramCipher.tagLength

    /// Padding so that 8 + payload + pad is a multiple of 16.
    static func padding(forPayload count: Int) -> Int { (16 - ((8 + count) & 15)) & 15 }
}

/// Why a datagram could not be opened. `authenticationFailed` means a wrong key (or a
/// corrupt packet); the others mean it is not a well-formed KDNET datagram at all.
/// `unsupportedVersion` is any of those for a version not in `KDNetVersion.known`: its
/// layout may differ, so a wrong key cannot be told from a new layout.
public enum DatagramError: Error, Equatable, Sendable, CustomStringConvertible {
    case notKDNet
    case badLength(Int)
    case unsupportedVersion(UInt8)
    case unknownChannel(UInt8)
    case authenticationFailed
    case badPadding

    public var description: String {
        switch self {
        case .notKDNet: return "not KDNET (no MDBG magic)"
        case .badLength(let n): return "KDNET datagram of impossible length \(n)"
        case .unsupportedVersion(let v): return KDNetVersion.refusal([v])
        case .unknownChannel(let c): return "unknown KDNET channel \(c)"
        case .authenticationFailed: return "fails authentication: wrong key, or corrupted on the way"
        case .badPadding: return "padding length does not fit the datagram"
        }
    }
}

/// What can be learnt from a datagram's clear bytes alone, without any key.
public struct DatagramEnvelope: Sendable, Equatable {
    public var version: UInt8
    public var channel: KDNetDatagram.Channel

    /// Checks magic, the length rule (6 + 16k + 16) and channel, for any version: an
    /// authentic datagram of a version not seen before is answered. When one of a version
    /// not seen before breaks the rules, the error is `unsupportedVersion`: another
    /// version may lay its datagrams out otherwise, so its length says nothing.
    public static func peek(_ bytes: some RandomAccessCollection<UInt8>) throws(DatagramError) -> DatagramEnvelope {
        // "MDBG" byte by byte: comparing with the `magic` array cost a generic loop per datagram.
        let s = bytes.startIndex
        guard bytes.count >= 4, bytes[s] == 0x4D, bytes[bytes.index(s, offsetBy: 1)] == 0x44,
              bytes[bytes.index(s, offsetBy: 2)] == 0x42, bytes[bytes.index(s, offsetBy: 3)] == 0x47 else { throw .notKDNet }
        guard bytes.count > 4 else { throw .badLength(bytes.count) }
        let version = bytes[bytes.index(s, offsetBy: 4)]
        guard bytes.count >= KDNetDatagram.minimumLength,
              (bytes.count - KDNetDatagram.clearHeaderLength - DatagramCipher.tagLength) % 16 == 0
        else { throw KDNetVersion.isKnown(version) ? .badLength(bytes.count) : .unsupportedVersion(version) }
        let rawChannel = bytes[bytes.index(bytes.startIndex, offsetBy: 5)]
        guard let channel = KDNetDatagram.Channel(rawValue: rawChannel) else {
            throw KDNetVersion.isKnown(version) ? .unknownChannel(rawChannel) : .unsupportedVersion(version)
        }
        return DatagramEnvelope(version: version, channel: channel)
    }
}

/// A datagram opened in place: the clear fields, and the payload borrowed from a buffer
/// that is valid only during the call it is handed to. What a reader of many datagrams
/// uses to decode without copying each payload into an array.
public struct OpenedDatagram {
    public var version: UInt8
    public var channel: KDNetDatagram.Channel
    public var sequence: UInt64
    public var direction: KDNetDatagram.Direction
    public var payload: UnsafeRawBufferPointer

    /// The owned datagram, copying the payload.
    public var datagram: KDNetDatagram {
        KDNetDatagram(version: version, channel: channel, sequence: sequence, direction: direction, payload: Array(payload))
    }
}

extension DatagramCipher {
    public func seal(_ datagram: KDNetDatagram) -> [UInt8] {
        let pad = KDNetDatagram.padding(forPayload: datagram.payload.count)
        let word = (datagram.sequence << 8) | UInt64(datagram.direction.rawValue) | UInt64(pad)
        let plaintextCount = 8 + datagram.payload.count + pad
        let clear = KDNetDatagram.clearHeaderLength
        return [UInt8](unsafeUninitializedCapacity: clear + plaintextCount + Self.tagLength) { out, count in
            let raw = UnsafeMutableRawBufferPointer(out)
            raw.copyBytes(from: KDNetDatagram.magic)
            raw[4] = datagram.version
            raw[5] = datagram.channel.rawValue
            withUnsafeTemporaryAllocation(byteCount: plaintextCount, alignment: 16) { plaintext in
                plaintext.storeBytes(of: word.bigEndian, as: UInt64.self)
                datagram.payload.withUnsafeBytes { UnsafeMutableRawBufferPointer(rebasing: plaintext[8...]).copyMemory(from: $0) }
                UnsafeMutableRawBufferPointer(rebasing: plaintext[(8 + datagram.payload.count)...]).initializeMemory(as: UInt8.self, repeating: 0)
                seal(clearHeader: UnsafeRawBufferPointer(rebasing: raw[..<clear]), plaintext: UnsafeRawBufferPointer(plaintext),
                     into: UnsafeMutableRawBufferPointer(rebasing: raw[clear...]))
            }
            count = clear + plaintextCount + Self.tagLength
        }
    }

    /// Decrypts and authenticates, handing `body` the datagram with its payload borrowed
    /// (valid only during the call). The tag is compared in constant time.
    public func open<R>(_ bytes: UnsafeRawBufferPointer, _ body: (OpenedDatagram) -> R) throws(DatagramError) -> R {
        try open(bytes, envelope: DatagramEnvelope.peek(bytes), body)
    }

    /// The same, for a caller that has peeked at `bytes` already (`envelope` must be what
    /// `DatagramEnvelope.peek(bytes)` returned): the observer peeks at every datagram to
    /// tell the channels apart, and peeking again cost as much as the rest of this call.
    func open<R>(_ bytes: UnsafeRawBufferPointer, envelope: DatagramEnvelope, _ body: (OpenedDatagram) -> R) throws(DatagramError) -> R {
        try Self.open(bytes, envelope: envelope, decrypt: { open(clearHeader: $0, ciphertext: $1, tag: $2, into: $3) }, body)
    }

    /// The same for the owner of this cipher (`openOwned(clearHeader:…)`: no lock while no copy exists).
    mutating func openOwned<R>(_ bytes: UnsafeRawBufferPointer, envelope: DatagramEnvelope, _ body: (OpenedDatagram) -> R) throws(DatagramError) -> R {
        try Self.open(bytes, envelope: envelope, decrypt: { openOwned(clearHeader: $0, ciphertext: $1, tag: $2, into: $3) }, body)
    }

    private static func open<R>(_ bytes: UnsafeRawBufferPointer, envelope: DatagramEnvelope,
                                decrypt: (UnsafeRawBufferPointer, UnsafeRawBufferPointer, UnsafeRawBufferPointer, UnsafeMutableRawBufferPointer) -> Bool,
                                _ body: (OpenedDatagram) -> R) throws(DatagramError) -> R {
        let clear = KDNetDatagram.clearHeaderLength
        let tagStart = bytes.count - DatagramCipher.tagLength
        let opened: Result<R, DatagramError> = withUnsafeTemporaryAllocation(byteCount: tagStart - clear, alignment: 16) { plaintext in
            guard decrypt(UnsafeRawBufferPointer(rebasing: bytes[..<clear]), UnsafeRawBufferPointer(rebasing: bytes[clear..<tagStart]),
                          UnsafeRawBufferPointer(rebasing: bytes[tagStart...]), plaintext)
            else { return .failure(.authenticationFailed) }
            let word = UInt64(bigEndian: UnsafeRawBufferPointer(plaintext).loadUnaligned(as: UInt64.self))
            let payloadCount = plaintext.count - 8 - Int(word & 0x0F)
            guard payloadCount >= 0 else { return .failure(.badPadding) }
            return .success(body(OpenedDatagram(
                version: envelope.version, channel: envelope.channel, sequence: word >> 8,
                direction: (word & 0x80) != 0 ? .hostToTarget : .targetToHost,
                payload: UnsafeRawBufferPointer(rebasing: plaintext[8..<(8 + payloadCount)]))))
        }
        return try opened.get()
    }

    /// Decrypts and authenticates into an owned datagram.
    public func open(_ bytes: [UInt8]) throws(DatagramError) -> KDNetDatagram {
        let opened: Result<KDNetDatagram, DatagramError> = bytes.withUnsafeBytes { raw in
            Result { () throws(DatagramError) in try open(raw) { $0.datagram } }
        }
        return try opened.get()
    }

    /// True when the tag verifies; used to classify traffic without decoding it.
    public func authenticates(_ bytes: [UInt8]) -> Bool {
        (try? open(bytes)) != nil
    }
}
