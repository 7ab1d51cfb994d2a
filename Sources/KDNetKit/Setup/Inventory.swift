import Foundation
import Yams

/// The targets of a fleet as the user lists them, CSV or YAML. Everything but the
/// name is optional: `kdnetctl plan` fills in ports and keys.
public struct Inventory: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public var name: String
        public var port: DebugPort?
        public var key: DebugKey?
        public var busParams: BusParams?
        public var family: IPAddress.Family?
        /// Where it was written, for error messages.
        public var line: Int

        public init(name: String, port: DebugPort? = nil, key: DebugKey? = nil, busParams: BusParams? = nil,
                    family: IPAddress.Family? = nil, line: Int = 0) {
            self.name = name; self.port = port; self.key = key; self.busParams = busParams; self.family = family; self.line = line
        }
    }

    public var hostAddresses: [HostAddress]
    public var entries: [Entry]
    /// Things in the file that were read one way but may have been meant another.
    public var warnings: [String]

    public init(hostAddresses: [HostAddress] = [], entries: [Entry], warnings: [String] = []) {
        self.hostAddresses = hostAddresses; self.entries = entries; self.warnings = warnings
    }

    public static let csvColumns = ["name", "port", "key", "busparams", "family"]

    /// An inventory that gives keys holds secrets: then it is refused as a key file is
    /// when others can get at it (`SecretFile`).
    public static func load(from url: URL) throws -> Inventory {
        let (text, access) = try TextInput.readWithAccess(path: url.path, expecting: "a CSV or YAML inventory")
        let ext = url.pathExtension.lowercased()
        let firstLine = text.split(whereSeparator: \.isNewline).first { !$0.trimmingCharacters(in: .whitespaces).isEmpty && !$0.hasPrefix("#") }
        let looksCSV = ext == "csv" || (ext != "yaml" && ext != "yml" && (firstLine?.lowercased().hasPrefix("name,") ?? false))
        let inventory = looksCSV ? try parseCSV(text, source: url.path) : try parseYAML(text, source: url.path)
        if inventory.entries.contains(where: { $0.key != nil }), let access,
           let problem = SecretFile.problem(access, path: url.path, holding: ListenerConfig.secretDescription) { throw problem }
        return inventory
    }

    // MARK: CSV

    /// Header `name,port,key,busparams,family` (any order, any subset with name);
    /// blank lines and `#` comments are skipped. The host IP comes from `--host-ip`.
    public static func parseCSV(_ text: String, source: String) throws(InventoryError) -> Inventory {
        var columns: [String]?
        var entries: [Entry] = []
        var warnings: [String] = []
        for (index, raw) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let line = index + 1
            let trimmed = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            let rawCells = trimmed.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            // Fields are never quoted-with-commas here, so quotes are just stripped; a lone
            // one usually means a field was meant to run on (or a quote was mistyped).
            if let open = rawCells.first(where: { $0.filter { $0 == "\"" }.count % 2 == 1 }) {
                warnings.append("\(source):\(line): unterminated quote in '\(open)'; quotes are ignored and the line is read as \(rawCells.map { $0.filter { $0 != "\"" } }.joined(separator: ","))")
            }
            let cells = rawCells.map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "\"")) }
            guard let header = columns else {
                let names = cells.map { $0.lowercased() }
                if let bad = names.first(where: { !csvColumns.contains($0) }) {
                    throw InventoryError(source, line, "column '\(bad)' is unknown; the header row is \(csvColumns.joined(separator: ","))")
                }
                guard names.contains("name") else { throw InventoryError(source, line, "the header row has no name column; start the file with \(csvColumns.joined(separator: ","))") }
                columns = names
                continue
            }
            guard cells.count <= header.count else {
                throw InventoryError(source, line, "has \(cells.count) fields but the header has \(header.count); a comma too many?")
            }
            var fields: [String: String] = [:]
            for (c, v) in zip(header, cells) where !v.isEmpty { fields[c] = v }
            entries.append(try entry(fields, line: line, source: source))
        }
        guard columns != nil else { throw InventoryError(source, 0, "is empty; give a header row \(csvColumns.joined(separator: ",")) and one row per target") }
        return Inventory(entries: entries, warnings: warnings)
    }

    // MARK: YAML

    /// `host_ip` (and optionally `host_ipv6`) and a `targets` list of mappings with
    /// name, port, key, busparams, family (or of bare names).
    public static func parseYAML(_ text: String, source: String) throws(InventoryError) -> Inventory {
        let root: Node?
        do { root = try Yams.compose(yaml: text) } catch {
            throw InventoryError(source, 0, "is neither CSV (header \(csvColumns.joined(separator: ","))) nor valid YAML: \(String(describing: error).split(separator: "\n").first ?? "")")
        }
        guard let root, let map = root.mapping else {
            throw InventoryError(source, 0, "is not a YAML mapping; give host_ip and a targets list")
        }
        let allowed: Set<String> = ["host_ip", "host_ipv6", "targets"]
        for (k, v) in map {
            let name = k.scalar?.string ?? ""
            if !allowed.contains(name) {
                throw InventoryError(source, v.mark?.line ?? 0, "key '\(name)' is unknown; use host_ip, host_ipv6 and targets")
            }
        }
        var hosts: [HostAddress] = []
        for field in ["host_ip", "host_ipv6"] {
            guard let node = root[field] else { continue }
            let values = node.sequence.map { Array($0) } ?? [node]
            for v in values {
                guard let s = v.scalar?.string else { throw InventoryError(source, v.mark?.line ?? 0, "\(field) must be an address") }
                do { hosts.append(try HostAddress(parsing: s)) } catch {
                    throw InventoryError(source, v.mark?.line ?? 0, error.errorDescription ?? "")
                }
            }
        }
        guard let targets = root["targets"]?.sequence else {
            throw InventoryError(source, 0, "has no targets list; add `targets:` with one `- name: ...` per target")
        }
        var entries: [Entry] = []
        for node in targets {
            let line = node.mark?.line ?? 0
            var fields: [String: String] = [:]
            if let name = node.scalar?.string {
                fields["name"] = name
            } else if let m = node.mapping {
                for (k, v) in m {
                    let key = (k.scalar?.string ?? "").lowercased()
                    guard csvColumns.contains(key) else {
                        throw InventoryError(source, k.mark?.line ?? line, "target field '\(key)' is unknown; use \(csvColumns.joined(separator: ", "))")
                    }
                    guard let value = v.scalar?.string else { throw InventoryError(source, v.mark?.line ?? line, "\(key) must be a single value") }
                    if !value.isEmpty { fields[key] = value }
                }
            } else {
                throw InventoryError(source, line, "each target is a mapping with at least a name")
            }
            entries.append(try entry(fields, line: line, source: source))
        }
        return Inventory(hostAddresses: hosts, entries: entries)
    }

    // MARK: Fields

    static func entry(_ f: [String: String], line: Int, source: String) throws(InventoryError) -> Entry {
        guard let name = f["name"], !name.isEmpty else { throw InventoryError(source, line, "a target has no name; every target needs one") }
        if let problem = TargetName.problem(name) {
            // Raw here: the error line is escaped where it is printed, and --json keeps the name.
            throw InventoryError(source, line, "target name '\(name)' \(TargetName.explanation(name, problem))")
        }
        var e = Entry(name: name, line: line)
        do {
            if let p = f["port"] { e.port = try DebugPort(parsing: p) }
            if let b = f["busparams"] { e.busParams = try BusParams(parsing: b) }
        } catch let error as LocalizedError {
            throw InventoryError(source, line, "target \(name): \(error.errorDescription ?? "")")
        } catch {
            throw InventoryError(source, line, "target \(name): \(error)")
        }
        if let k = f["key"] {
            do { e.key = try DebugKey(parsing: k) } catch {
                throw InventoryError(source, line, "target \(name): \(error.errorDescription ?? "")")
            }
        }
        if let fam = f["family"] {
            switch fam.lowercased() {
            case "ipv4", "v4", "4", "inet": e.family = .ipv4
            case "ipv6", "v6", "6", "inet6": e.family = .ipv6
            default: throw InventoryError(source, line, "target \(name): family '\(fam)' is neither ipv4 nor ipv6")
            }
        }
        return e
    }
}

/// A problem in the inventory file, located by line when it can be.
public struct InventoryError: Error, Equatable, Sendable, LocalizedError {
    public let source: String
    public let line: Int
    public let problem: String

    public init(_ source: String, _ line: Int, _ problem: String) {
        self.source = source; self.line = line; self.problem = problem
    }

    public var errorDescription: String? {
        line > 0 ? "\(source):\(line): \(problem)" : "\(source) \(problem)"
    }
}
