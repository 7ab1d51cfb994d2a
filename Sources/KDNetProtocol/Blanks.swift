extension StringProtocol {
    /// Without the blanks at either end: what Foundation's `trimmingCharacters(in:)`
    /// takes away with `.whitespaces` (tab, the space separators Zs, and as Core
    /// Foundation has it, U+200B), and with `newlines` also `.newlines`' line and
    /// paragraph breaks (BlanksTests holds it to Foundation). Without Foundation, whose
    /// first `trimmingCharacters` builds its character sets and bridges to NSString: a
    /// tenth of start-up, paid by every command that reads an address or a key.
    func trimmingBlanks(newlines: Bool = false) -> Substring {
        let scalars = Substring(self).unicodeScalars
        let isBlank = { (s: Unicode.Scalar) -> Bool in
            switch s.value {
            case 0x09, 0x20, 0xA0, 0x1680, 0x2000...0x200B, 0x202F, 0x205F, 0x3000: return true
            case 0x0A...0x0D, 0x85, 0x2028, 0x2029: return newlines
            default: return false
            }
        }
        guard let first = scalars.firstIndex(where: { !isBlank($0) }) else { return "" }
        let last = scalars.lastIndex(where: { !isBlank($0) })!
        return Substring(scalars[first...last])
    }
}
