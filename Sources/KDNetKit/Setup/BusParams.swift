import Foundation

/// The PCI location of the target's debug NIC as bcdedit wants it: decimal
/// `bus.device.function` (Device Manager's "Location"). lspci prints hex
/// `bus:device.function` (optionally with a `0000:` domain), so both are read and
/// the conversion is remembered to tell the user.
public struct BusParams: Sendable, Hashable, Codable, CustomStringConvertible {
    public let bus: UInt8
    public let device: UInt8
    public let function: UInt8
    /// The lspci form it was converted from, when it was given that way.
    public let convertedFrom: String?

    public init(bus: Int, device: Int, function: Int, convertedFrom: String? = nil) throws(BusParamsError) {
        guard (0...255).contains(bus) else { throw .busOutOfRange(bus) }
        guard (0...31).contains(device) else { throw .deviceOutOfRange(device) }
        guard (0...7).contains(function) else { throw .functionOutOfRange(function) }
        self.bus = UInt8(bus); self.device = UInt8(device); self.function = UInt8(function)
        self.convertedFrom = convertedFrom
    }

    public init(parsing input: String) throws(BusParamsError) {
        let text = input.trimmingCharacters(in: .whitespaces)
        guard !text.isEmpty else { throw .malformed(text) }
        if text.contains(":") {
            try self.init(lspci: text)
        } else {
            let parts = text.split(separator: ".", omittingEmptySubsequences: false)
            guard parts.count == 3, let b = Int(parts[0]), let d = Int(parts[1]), let f = Int(parts[2]),
                  parts.allSatisfy({ $0.allSatisfy(\.isASCIIDigit) }) else { throw .malformed(text) }
            try self.init(bus: b, device: d, function: f)
        }
    }

    /// `3b:00.0` or `0000:3b:00.0` (hex bus and device, function 0-7).
    private init(lspci text: String) throws(BusParamsError) {
        var pieces = text.split(separator: ":", omittingEmptySubsequences: false)
        if pieces.count == 3 {
            guard pieces[0].count == 4, Int(pieces[0], radix: 16) != nil else { throw .malformed(text) }
            guard Int(pieces[0], radix: 16) == 0 else { throw .nonZeroDomain(text) }
            pieces.removeFirst()
        }
        guard pieces.count == 2 else { throw .malformed(text) }
        let df = pieces[1].split(separator: ".", omittingEmptySubsequences: false)
        guard df.count == 2, (1...2).contains(pieces[0].count), (1...2).contains(df[0].count), df[1].count == 1,
              let b = Int(pieces[0], radix: 16), let d = Int(df[0], radix: 16), let f = Int(df[1]) else {
            throw .malformed(text)
        }
        try self.init(bus: b, device: d, function: f, convertedFrom: text)
    }

    /// bcdedit's decimal form.
    public var description: String { "\(bus).\(device).\(function)" }

    /// Tells the user what an lspci address became.
    public var conversionNote: String? {
        convertedFrom.map { "busparams \($0) (lspci, hex) is \(description) in bcdedit's decimal bus.device.function" }
    }

    public static func == (a: BusParams, b: BusParams) -> Bool {
        a.bus == b.bus && a.device == b.device && a.function == b.function
    }
    public func hash(into h: inout Hasher) { h.combine(bus); h.combine(device); h.combine(function) }

    public init(from decoder: Decoder) throws {
        try self.init(parsing: try decoder.singleValueContainer().decode(String.self))
    }
    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}

public enum BusParamsError: Error, Equatable, Sendable, LocalizedError {
    case malformed(String)
    case busOutOfRange(Int)
    case deviceOutOfRange(Int)
    case functionOutOfRange(Int)
    case nonZeroDomain(String)

    public var errorDescription: String? {
        let form = "give decimal bus.device.function from Device Manager's Location (e.g. 0.25.0) or lspci's 3b:00.0"
        switch self {
        case .malformed(let s): return "busparams '\(s)' is not bus.device.function; \(form)"
        case .busOutOfRange(let n): return "PCI bus \(n) is outside 0-255; \(form)"
        case .deviceOutOfRange(let n): return "PCI device \(n) is outside 0-31; \(form)"
        case .functionOutOfRange(let n): return "PCI function \(n) is outside 0-7; \(form)"
        case .nonZeroDomain(let s): return "\(s) is in PCI domain \(s.prefix(4)), which bcdedit's busparams cannot name; use a NIC in domain 0000"
        }
    }
}
