import Foundation

/// The output of `bcdedit /dbgsettings` as pasted from the target: one
/// `name   value` pair per line, then "The operation completed successfully.".
/// Pasting adds CRLF, prompts and odd spacing; all of that is tolerated.
public struct DbgSettings: Sendable, Equatable, Codable {
    public var key: String?
    public var debugtype: String?
    public var hostip: String?
    public var hostipv6: String?
    public var port: String?
    public var dhcp: String?
    public var busparams: String?
    /// Any other `name value` line (baudrate, debugport, hypervisor elements, ...).
    public var other: [String: String]
    /// Whether bcdedit said "The operation completed successfully.".
    public var completed: Bool
    /// Lines that are not settings (bcdedit errors such as "Access is denied.").
    public var messages: [String]
    /// Settings given more than once. bcdedit prints each once, so a repeat means two
    /// outputs were pasted together (or one was edited); the last value is the one kept,
    /// as the later output is the newer state of the store.
    public var repeated: [RepeatedSetting]

    public struct RepeatedSetting: Sendable, Equatable, Codable {
        public var name: String
        /// Every value in the order given; the last one is in effect.
        public var values: [String]
    }

    public static let successLine = "The operation completed successfully."

    public init(parsing text: String) {
        other = [:]; messages = []; completed = false; repeated = []
        var seen: [String: [String]] = [:]
        var order: [String] = []
        for raw in text.split(whereSeparator: \.isNewline) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty { continue }
            if line.caseInsensitiveCompare(Self.successLine) == .orderedSame { completed = true; continue }
            // The prompt line the seed's sample starts with: `C:\> bcdedit /dbgsettings`.
            if line.lowercased().contains("bcdedit") { continue }
            let parts = line.split(maxSplits: 1, whereSeparator: { $0 == " " || $0 == "\t" })
            guard parts.count == 2, parts[0].allSatisfy({ $0.isLetter || $0.isNumber }) else {
                messages.append(line); continue
            }
            let name = parts[0].lowercased()
            let value = parts[1].trimmingCharacters(in: .whitespaces)
            let isSentence = !Self.knownNames.contains(name) && value.contains(" ")
            if !isSentence {
                if seen[name] == nil { order.append(name) }
                seen[name, default: []].append(value)
            }
            switch name {
            case "key": key = value
            case "debugtype": debugtype = value
            case "hostip": hostip = value
            case "hostipv6": hostipv6 = value
            case "port": port = value
            case "dhcp": dhcp = value
            case "busparams": busparams = value
            default:
                // A sentence is a message, not a setting.
                if isSentence { messages.append(line) } else { other[name] = value }
            }
        }
        repeated = order.compactMap { name in
            seen[name].flatMap { $0.count > 1 ? RepeatedSetting(name: name, values: $0) : nil }
        }
    }

    static let knownNames: Set<String> = ["key", "debugtype", "hostip", "hostipv6", "port", "dhcp", "busparams"]

    /// True when no setting at all was found.
    public var isEmpty: Bool {
        [key, debugtype, hostip, hostipv6, port, dhcp, busparams].allSatisfy { $0 == nil } && other.isEmpty
    }

    /// The same settings with the key redacted, for reports.
    public var redacted: DbgSettings {
        var copy = self
        if let k = key { copy.key = Self.redact(k) }
        copy.repeated = repeated.map { $0.name == "key" ? RepeatedSetting(name: $0.name, values: $0.values.map(Self.redact)) : $0 }
        return copy
    }

    static func redact(_ key: String) -> String { (try? DebugKey(parsing: key))?.redacted ?? "(invalid, not shown)" }
}
