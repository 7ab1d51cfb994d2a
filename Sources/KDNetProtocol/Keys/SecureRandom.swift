import Foundation
import CSodium

/// libsodium's CSPRNG and constant-time comparison, the only sources of randomness
/// and secret comparison in the tool.
public enum SecureRandom {
    private static let initialised: Bool = sodium_init() >= 0

    public static func bytes(_ count: Int) -> [UInt8] {
        precondition(initialised, "libsodium failed to initialise")
        var out = [UInt8](repeating: 0, count: count)
        out.withUnsafeMutableBytes { randombytes_buf($0.baseAddress!, count) }
        return out
    }

    public static func uint64() -> UInt64 {
        bytes(8).enumerated().reduce(0) { $0 | UInt64($1.element) << UInt64(8 * $1.offset) }
    }

    public static func constantTimeEqual(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
        guard a.count == b.count else { return false }
        if a.count == 0 { return true }
        return sodium_memcmp(a.baseAddress!, b.baseAddress!, a.count) == 0
    }

    /// Compares two equal-length secrets (tags, keys) without leaking where they differ.
    public static func constantTimeEqual(_ a: some ContiguousBytes, _ b: some ContiguousBytes) -> Bool {
        a.withUnsafeBytes { pa in b.withUnsafeBytes { pb in constantTimeEqual(pa, pb) } }
    }
}

extension DebugKey {
    /// A fresh 256-bit key from libsodium's CSPRNG.
    public static func generate() -> DebugKey { DebugKey(bytes: SecureRandom.bytes(32)) }
}
