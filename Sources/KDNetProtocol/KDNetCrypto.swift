import CDatagramCipher
import Crypto
import Foundation
import Synchronization

/// The secrets derived from one KDNET key. The control key encrypts the control
/// channel; its bitwise inverse is the HMAC key for both channels for the whole
/// session; the data key is derived per session from the host's response. All three
/// are wiped when the last session using them ends (`SecretBytes`).
public struct KDNetKeys: Sendable {
    public let controlKey: SecretBytes
    public let hmacKey: SecretBytes
    /// Keyed once here: every control datagram of every session opens with it.
    public let controlCipher: DatagramCipher

    public init(key: DebugKey) {
        let parts = key.parts
        let controlKey = SecretBytes(count: 32) { out in
            for (i, part) in parts.enumerated() { out.storeBytes(of: part.littleEndian, toByteOffset: i * 8, as: UInt64.self) }
        }
        let hmacKey = controlKey.withUnsafeBytes { control in
            SecretBytes(count: 32) { out in for i in 0..<32 { out[i] = ~control[i] } }
        }
        self.controlKey = controlKey
        self.hmacKey = hmacKey
        controlCipher = DatagramCipher(aesKey: controlKey, hmacKey: hmacKey)
    }

    /// SHA-256(control key || the 322-byte body of the host's control response).
    public func dataKey(responseBody: some DataProtocol) -> SecretBytes {
        var hasher = SHA256()
        controlKey.withUnsafeBytes { hasher.update(bufferPointer: $0) }
        hasher.update(data: responseBody)
        return hasher.finalize().withUnsafeBytes { SecretBytes(copying: $0) }
    }

    public func dataCipher(dataKey: SecretBytes) -> DatagramCipher { DatagramCipher(aesKey: dataKey, hmacKey: hmacKey) }
}

/// AES-256-CBC (no padding scheme; the IV is the tag) plus a truncated HMAC-SHA256 tag,
/// on libcrypto with the key schedule and the HMAC's digest states made once per
/// cipher: for datagrams of a hundred bytes that setup is most of the cost when it is
/// done per datagram (swift-crypto's one-shot AES-CBC does it per call).
public struct DatagramCipher: Sendable {
    private var context: CipherContext

    public init(aesKey: SecretBytes, hmacKey: SecretBytes) {
        context = CipherContext(aesKey: aesKey, hmacKey: hmacKey)
    }

    static let tagLength = 16

    /// Decrypts `ciphertext` with `tag` as the IV into `plaintext` (as long) and checks the
    /// tag over `clearHeader` and the plaintext in constant time.
    func open(clearHeader: UnsafeRawBufferPointer, ciphertext: UnsafeRawBufferPointer, tag: UnsafeRawBufferPointer,
              into plaintext: UnsafeMutableRawBufferPointer) -> Bool {
        context.withCipher { Self.decryptAndVerify($0, clearHeader, ciphertext, tag, plaintext) }
    }

    private static func decryptAndVerify(_ cipher: OpaquePointer, _ clearHeader: UnsafeRawBufferPointer, _ ciphertext: UnsafeRawBufferPointer,
                             _ tag: UnsafeRawBufferPointer, _ plaintext: UnsafeMutableRawBufferPointer) -> Bool {
        kdnet_cipher_open(cipher, clearHeader.bytes, clearHeader.count, ciphertext.bytes, ciphertext.count,
                          tag.bytes, plaintext.mutableBytes) == 1
    }

    /// The same, without the lock when this value holds the only reference to its context:
    /// then no other copy exists for another thread to open with, and the caller's
    /// exclusive access to this value is exclusive access to the context. An observer of
    /// a capture owns its session ciphers this way, and skips two atomic operations (the
    /// lock) and a retain and release per datagram.
    mutating func openOwned(clearHeader: UnsafeRawBufferPointer, ciphertext: UnsafeRawBufferPointer, tag: UnsafeRawBufferPointer,
                            into plaintext: UnsafeMutableRawBufferPointer) -> Bool {
        guard isKnownUniquelyReferenced(&context) else {
            return open(clearHeader: clearHeader, ciphertext: ciphertext, tag: tag, into: plaintext)
        }
        return context.withCipherUnlocked { Self.decryptAndVerify($0, clearHeader, ciphertext, tag, plaintext) }
    }

    /// The tag of `plaintext`, then the ciphertext with that tag as IV, written to `out`
    /// (`plaintext.count + 16` bytes: ciphertext then tag).
    func seal(clearHeader: UnsafeRawBufferPointer, plaintext: UnsafeRawBufferPointer, into out: UnsafeMutableRawBufferPointer) {
        context.withCipher { cipher in
            let tag = out.mutableBytes + plaintext.count
            kdnet_cipher_tag(cipher, clearHeader.bytes, clearHeader.count, plaintext.bytes, plaintext.count, tag)
            // Lengths are multiples of 16 by construction, so only memory exhaustion fails here.
            let sealed = kdnet_cipher_encrypt(cipher, plaintext.bytes, plaintext.count, tag, out.mutableBytes)
            precondition(sealed == 1, "libcrypto could not encrypt a KDNET datagram")
        }
    }
}

/// The libcrypto state of one cipher. Opening rewrites the context's IV, so one caller
/// at a time: the lock makes the cipher safe to share between threads, for the cost of
/// one uncontended lock per datagram (which an owner skips, `withCipherUnlocked`).
private final class CipherContext: Sendable {
    private struct Handle: @unchecked Sendable { let pointer: OpaquePointer }
    private let handle: Handle
    private let lock = Mutex(())

    init(aesKey: SecretBytes, hmacKey: SecretBytes) {
        let created = aesKey.withUnsafeBytes { aes in
            hmacKey.withUnsafeBytes { mac in kdnet_cipher_create(aes.bytes, mac.bytes) }
        }
        guard let created else { fatalError("libcrypto could not set up an AES-256-CBC context (out of memory)") }
        handle = Handle(pointer: created)
    }

    // The last reference is going: nobody else can be using the context.
    deinit { kdnet_cipher_destroy(handle.pointer) }

    func withCipher<R>(_ body: (OpaquePointer) -> R) -> R {
        lock.withLock { _ in body(handle.pointer) }
    }

    /// Only for a caller that holds the one reference to this context (`openOwned`).
    func withCipherUnlocked<R>(_ body: (OpaquePointer) -> R) -> R {
        body(handle.pointer)
    }
}

private extension UnsafeRawBufferPointer {
    /// The bytes as C sees them; a non-null pointer even for an empty buffer.
    var bytes: UnsafePointer<UInt8> {
        baseAddress.map { $0.assumingMemoryBound(to: UInt8.self) } ?? UnsafePointer(bitPattern: 1)!
    }
}

private extension UnsafeMutableRawBufferPointer {
    var mutableBytes: UnsafeMutablePointer<UInt8> {
        baseAddress.map { $0.assumingMemoryBound(to: UInt8.self) } ?? UnsafeMutablePointer(bitPattern: 1)!
    }
}
