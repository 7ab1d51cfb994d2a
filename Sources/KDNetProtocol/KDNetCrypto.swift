import Crypto
import CryptoExtras
import Foundation

/// The secrets derived from one KDNET key. The control key encrypts the control
/// channel; its bitwise inverse is the HMAC key for both channels for the whole
/// session; the data key is derived per session from the host's response. All three
/// are wiped when the last session using them ends (`SecretBytes`).
public struct KDNetKeys: Sendable {
    public let controlKey: SecretBytes
    public let hmacKey: SecretBytes

    public init(key: DebugKey) {
        let parts = key.parts
        controlKey = SecretBytes(count: 32) { out in
            for (i, part) in parts.enumerated() { out.storeBytes(of: part.littleEndian, toByteOffset: i * 8, as: UInt64.self) }
        }
        hmacKey = controlKey.withUnsafeBytes { control in
            SecretBytes(count: 32) { out in for i in 0..<32 { out[i] = ~control[i] } }
        }
    }

    /// SHA-256(control key || the 322-byte body of the host's control response).
    public func dataKey(responseBody: [UInt8]) -> SecretBytes {
        var hasher = SHA256()
        controlKey.withUnsafeBytes { hasher.update(bufferPointer: $0) }
        hasher.update(data: responseBody)
        return hasher.finalize().withUnsafeBytes { SecretBytes(copying: $0) }
    }

    public var controlCipher: DatagramCipher { DatagramCipher(aesKey: controlKey, hmacKey: hmacKey) }

    public func dataCipher(dataKey: SecretBytes) -> DatagramCipher { DatagramCipher(aesKey: dataKey, hmacKey: hmacKey) }
}

/// AES-256-CBC (no padding scheme; the IV is the tag) plus a truncated HMAC-SHA256 tag.
public struct DatagramCipher: @unchecked Sendable {
    let aesKey: SymmetricKey
    /// HMAC with the key schedule already done; each datagram works on a copy (the
    /// digest state is copy-on-write). Keying once per cipher instead of once per
    /// datagram roughly halves the cost of opening one when reading a capture.
    /// Unchecked Sendable: it is never mutated in place, only copied.
    private let keyedMAC: HMAC<SHA256>

    public init(aesKey: SecretBytes, hmacKey: SecretBytes) {
        self.aesKey = aesKey.withUnsafeBytes { SymmetricKey(data: $0) }
        self.keyedMAC = HMAC<SHA256>(key: hmacKey.withUnsafeBytes { SymmetricKey(data: $0) })
    }

    static let tagLength = 16

    /// First 16 bytes of HMAC-SHA256(hmac key, clear header || plaintext).
    func tag(clearHeader: some DataProtocol, plaintext: some DataProtocol) -> [UInt8] {
        var mac = keyedMAC
        mac.update(data: clearHeader)
        mac.update(data: plaintext)
        return Array(Array(mac.finalize()).prefix(Self.tagLength))
    }

    func encrypt(_ plaintext: [UInt8], iv: [UInt8]) -> [UInt8] {
        // Lengths are multiples of 16 by construction and the IV is 16 bytes, so this cannot fail.
        let ivValue = try! AES._CBC.IV(ivBytes: iv)
        return Array(try! AES._CBC.encrypt(plaintext, using: aesKey, iv: ivValue, noPadding: true))
    }

    /// Kept as `Data` (what swift-crypto returns) so the hot path copies the plaintext once, into the payload.
    func decrypt(_ ciphertext: ArraySlice<UInt8>, iv: ArraySlice<UInt8>) -> Data? {
        guard let ivValue = try? AES._CBC.IV(ivBytes: iv) else { return nil }
        return try? AES._CBC.decrypt(ciphertext, using: aesKey, iv: ivValue, noPadding: true)
    }

    /// Whether `tag` is the first 16 bytes of the HMAC, compared in constant time without copying the MAC.
    func verify(tag: ArraySlice<UInt8>, clearHeader: some DataProtocol, plaintext: some DataProtocol) -> Bool {
        var mac = keyedMAC
        mac.update(data: clearHeader)
        mac.update(data: plaintext)
        return mac.finalize().withUnsafeBytes { full in
            tag.withUnsafeBytes { SecureRandom.constantTimeEqual(UnsafeRawBufferPointer(rebasing: full[0..<Self.tagLength]), $0) }
        }
    }
}
