/// Where sessions get their random bytes (host response randomness, client keys).
/// Injected so whole conversations can be replayed deterministically in tests.
public protocol RandomSource: Sendable {
    mutating func bytes(_ count: Int) -> [UInt8]
}

/// libsodium's CSPRNG: the default for real sessions.
public struct SystemRandom: RandomSource {
    public init() {}
    public mutating func bytes(_ count: Int) -> [UInt8] { SecureRandom.bytes(count) }
}

/// A deterministic generator (SplitMix64) for tests and reproducible simulations.
/// Never used for anything a real target relies on for secrecy.
public struct SeededRandom: RandomSource {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    public mutating func bytes(_ count: Int) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(count)
        while out.count < count {
            let word = next()
            for shift in stride(from: 0, to: 64, by: 8) where out.count < count {
                out.append(UInt8(truncatingIfNeeded: word >> UInt64(shift)))
            }
        }
        return out
    }
}
