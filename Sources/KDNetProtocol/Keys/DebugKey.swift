import Foundation

/// A KDNET key: four base-36 numbers separated by dots, e.g. `1.z.10.3w5e11264sgsf`.
///
/// On the wire it is 32 bytes: the four numbers as little-endian `UInt64`s, concatenated.
/// `description` is redacted on purpose so a key never lands in a log by accident;
/// ask for `text` when the full key is really wanted.
public struct DebugKey: Sendable, Hashable, CustomStringConvertible {
    public let parts: [UInt64]

    public init(parts: [UInt64]) {
        precondition(parts.count == 4, "a KDNET key has four parts")
        self.parts = parts
    }

    /// Parses the dotted base-36 form. Upper case is accepted; surrounding blanks are ignored.
    public init(parsing input: String) throws(KeyError) {
        let trimmed = input.trimmingBlanks(newlines: true)
        guard !trimmed.isEmpty else { throw .empty }
        let pieces = trimmed.split(separator: ".", omittingEmptySubsequences: false)
        guard pieces.count == 4 else { throw .wrongPartCount(pieces.count) }
        var values: [UInt64] = []
        for (index, piece) in pieces.enumerated() {
            values.append(try Self.parsePart(piece, number: index + 1))
        }
        self.parts = values
    }

    /// 32 bytes: each part little-endian, in order.
    public var bytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(32)
        for part in parts {
            for shift in stride(from: 0, to: 64, by: 8) { out.append(UInt8(truncatingIfNeeded: part >> UInt64(shift))) }
        }
        return out
    }

    /// Builds a key from its 32-byte wire form.
    public init(bytes: [UInt8]) {
        precondition(bytes.count == 32, "a KDNET key is 32 bytes")
        var values: [UInt64] = []
        for p in 0..<4 {
            var v: UInt64 = 0
            for i in 0..<8 { v |= UInt64(bytes[p * 8 + i]) << UInt64(8 * i) }
            values.append(v)
        }
        self.parts = values
    }

    /// The full key in canonical (lower-case) form. This is the secret.
    public var text: String { parts.map { String($0, radix: 36) }.joined(separator: ".") }

    /// A redacted form safe for logs: the first four characters, enough to tell two
    /// keys apart, and nothing that helps guess the rest.
    public var redacted: String {
        "\(String(parts[0], radix: 36).prefix(4))…(redacted)"
    }

    public var description: String { redacted }

    /// Hand-typed keys (the documentation's `1.2.3.4`) have small parts; a random
    /// part is below 2^32 with probability 2^-32, so any small part is a strong hint.
    public var isWeak: Bool { parts.contains { $0 < (1 << 32) } }

    /// The largest value one part may hold, in base 36.
    public static let largestPart = String(UInt64.max, radix: 36)

    private static func parsePart(_ piece: Substring, number: Int) throws(KeyError) -> UInt64 {
        guard !piece.isEmpty else { throw .emptyPart(number) }
        guard piece.count <= 13 else { throw .partTooLong(number, String(piece)) }
        var value: UInt64 = 0
        for ch in piece.lowercased() {
            guard let digit = ch.base36Value else { throw .badCharacter(number, ch) }
            let (m, o1) = value.multipliedReportingOverflow(by: 36)
            let (s, o2) = m.addingReportingOverflow(UInt64(digit))
            if o1 || o2 { throw .partTooLarge(number, String(piece)) }
            value = s
        }
        return value
    }
}

extension Character {
    fileprivate var base36Value: Int? {
        guard let ascii = asciiValue else { return nil }
        switch ascii {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return Int(ascii - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "z"): return Int(ascii - UInt8(ascii: "a")) + 10
        default: return nil
        }
    }
}

public enum KeyError: Error, Equatable, Sendable, LocalizedError {
    case empty
    case wrongPartCount(Int)
    case emptyPart(Int)
    case partTooLong(Int, String)
    case badCharacter(Int, Character)
    case partTooLarge(Int, String)

    public var errorDescription: String? {
        let form = "a key is four base-36 numbers separated by dots, like 2steg4fzbj2sz.23418vzkd4ko3.1g34ou07z4pev.1sp3yo9yz874p (run `kdnetctl key generate` for a new one)"
        switch self {
        case .empty:
            return "the key is empty; \(form)"
        case .wrongPartCount(let n):
            return "the key has \(n) part\(n == 1 ? "" : "s"), not 4; \(form)"
        case .emptyPart(let i):
            return "part \(i) of the key is empty; \(form)"
        case .partTooLong(let i, let p):
            return "part \(i) of the key (\(p.count) characters) is longer than 13 characters; each part is at most 13 characters of 0-9 and a-z"
        case .badCharacter(let i, let c):
            return "part \(i) of the key contains '\(c)'; only the digits 0-9 and letters a-z are allowed"
        case .partTooLarge(let i, _):
            return "part \(i) of the key is 2^64 or more; the largest allowed part is \(DebugKey.largestPart)"
        }
    }
}
