extension Sequence where Element == UInt8 {
    /// Lower-case hex, two digits a byte.
    public var hexString: String {
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for b in self { out.append(digits[Int(b >> 4)]); out.append(digits[Int(b & 0xF)]) }
        return String(decoding: out, as: UTF8.self)
    }
}

extension Array where Element == UInt8 {
    /// Parses hex (blanks ignored); nil when it is not hex or has an odd length.
    public init?(hex: some StringProtocol) {
        var text = String(hex)
        guard let parsed = text.withUTF8({ Self(hexDigits: UnsafeRawBufferPointer($0)) }) else { return nil }
        self = parsed
    }

    /// Parses hex given as ASCII bytes (blanks ignored); nil when it is not hex or has an
    /// odd length. One pass over the bytes, no copy of them: `inspect --hex-lines` runs
    /// every line of a file of any size through it.
    public init?(hexDigits digits: UnsafeRawBufferPointer) {
        var out: [UInt8] = []
        out.reserveCapacity(digits.count / 2)
        var high: UInt8?
        for c in digits {
            let nibble: UInt8
            switch c {
            case 32, 10, 13, 9: continue
            case 48...57: nibble = c - 48
            case 97...102: nibble = c - 87
            case 65...70: nibble = c - 55
            default: return nil
            }
            if let h = high { out.append(h << 4 | nibble); high = nil } else { high = nibble }
        }
        guard high == nil else { return nil }
        self = out
    }
}
