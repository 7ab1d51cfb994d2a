import CSodium
import Foundation

/// Key material that is overwritten (libsodium's `sodium_memzero`, which the compiler
/// cannot elide) when the last reference to it goes: the control and HMAC keys of a
/// KDNET key, and each session's data key.
///
/// The bytes never leave as an array unless a caller asks by name (`revealedHex`,
/// `--show-data-keys`); swift-crypto's `SymmetricKey`, which the ciphers are built
/// from, wipes its own copy in the same way.
public final class SecretBytes: @unchecked Sendable, Equatable {
    private let storage: UnsafeMutableRawBufferPointer

    public init(count: Int, fill: (UnsafeMutableRawBufferPointer) -> Void) {
        storage = .allocate(byteCount: count, alignment: 16)
        storage.initializeMemory(as: UInt8.self, repeating: 0)
        fill(storage)
    }

    public convenience init(copying bytes: UnsafeRawBufferPointer) {
        self.init(count: bytes.count) { $0.copyMemory(from: bytes) }
    }

    public convenience init(_ bytes: [UInt8]) {
        self.init(count: bytes.count) { out in bytes.withUnsafeBytes { out.copyMemory(from: $0) } }
    }

    deinit {
        wipe()
        storage.deallocate()
    }

    /// Overwrites the bytes with zeros; what `deinit` does, callable by tests.
    package func wipe() {
        sodium_memzero(storage.baseAddress, storage.count)
    }

    public var count: Int { storage.count }

    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeRawBufferPointer(storage))
    }

    /// The bytes in hex, for the one place a user asks to see a key.
    public var revealedHex: String { withUnsafeBytes { Array($0) }.hexString }

    /// Compared in constant time, as keys are.
    public static func == (a: SecretBytes, b: SecretBytes) -> Bool {
        a.count == b.count && a.withUnsafeBytes { x in b.withUnsafeBytes { y in SecureRandom.constantTimeEqual(x, y) } }
    }
}
