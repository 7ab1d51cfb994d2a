import Foundation

/// One QEMU option value, `first,key=value,flag,...`, split the way QEMU's QemuOpts does:
/// a doubled comma is a literal comma, not a separator.
public struct QEMUOptionString: Sendable, Hashable {
    public struct Part: Sendable, Hashable {
        public var key: String
        /// nil for a bare flag ("hv_relaxed") or a positional value ("q35").
        public var value: String?
    }

    /// Parts in order, as written.
    public var parts: [Part]

    public init(_ text: String) {
        parts = Self.split(text).map { part in
            if let eq = part.firstIndex(of: "=") {
                return Part(key: String(part[..<eq]), value: String(part[part.index(after: eq)...]))
            }
            return Part(key: part, value: nil)
        }
    }

    private init(parts: [Part]) { self.parts = parts }

    /// A JSON `-device {...}` / `-netdev {...}` object as the same key/value list, so both
    /// forms libvirt emits (JSON since libvirt 7.x) read alike. Nested objects are dropped.
    init?(json text: String) {
        guard let data = text.data(using: .utf8),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { return nil }
        var parts: [Part] = []
        for key in object.keys.sorted() {
            switch object[key] {
            case let s as String: parts.append(Part(key: key, value: s))
            case let n as NSNumber:
                parts.append(Part(key: key, value: Self.isJSONBool(n) ? (n.boolValue ? "on" : "off") : n.stringValue))
            default: continue
            }
        }
        self.init(parts: parts)
    }

    /// JSON true/false arrive as NSNumber; only their objCType ("c") tells them from 1 and 0.
    private static func isJSONBool(_ n: NSNumber) -> Bool {
        String(cString: n.objCType) == "c"
    }

    /// The first part when it has no "=", the implied value of options like `-machine q35,...`.
    public var positional: String? {
        guard let first = parts.first, first.value == nil else { return nil }
        return first.key
    }

    /// The last value given for a key, since QEMU lets a later one win.
    public subscript(key: String) -> String? {
        parts.last(where: { $0.key == key && $0.value != nil })?.value
    }

    public func has(_ key: String) -> Bool { parts.contains { $0.key == key } }

    /// Splits on single commas; ",," stands for one literal comma.
    static func split(_ text: String) -> [String] {
        var result: [String] = []
        var current = ""
        var chars = text.makeIterator()
        var pending: Character? = nil
        while let c = pending ?? chars.next() {
            pending = nil
            if c == "," {
                if let next = chars.next() {
                    if next == "," { current.append(","); continue }
                    pending = next
                }
                result.append(current)
                current = ""
            } else {
                current.append(c)
            }
        }
        if !current.isEmpty || !result.isEmpty { result.append(current) }
        return result
    }

    static func isOn(_ value: String?) -> Bool? {
        guard let v = value?.lowercased() else { return nil }
        if ["on", "yes", "true", "1"].contains(v) { return true }
        if ["off", "no", "false", "0"].contains(v) { return false }
        return nil
    }
}
