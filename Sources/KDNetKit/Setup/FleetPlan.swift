import Foundation

/// `kdnetctl plan`: one port and one key per target, scripts for each target, a
/// host-side table and the listener config. Prior assignments (read from the
/// existing listener.json) are kept, so running it again only adds new targets.
public struct FleetPlan: Sendable, Equatable, Codable {
    public struct Target: Sendable, Equatable, Codable {
        public enum Status: String, Sendable, Codable {
            /// First time in the plan.
            case new
            /// Same port and key as before.
            case kept
            /// The inventory now says a different port or key.
            case changed
            /// A fresh key on purpose (`--rotate-keys`).
            case rotated
        }
        public var name: String
        public var port: DebugPort
        /// The key with its middle hidden: the full keys are in the 0600 files only.
        public var redactedKey: String
        public var family: IPAddress.Family
        public var hostIp: String
        public var busparams: BusParams?
        public var status: Status
        public var files: [String]

        // "key" in the JSON, as before: scripts read it there, and the plan says it is redacted.
        enum CodingKeys: String, CodingKey {
            case name, port, redactedKey = "key", family, hostIp, busparams, status, files
        }
    }

    public var outDir: String
    public var targets: [Target]
    /// In the old listener.json but no longer in the inventory; their scripts stay
    /// unless `--prune` removes them.
    public var removed: [String]
    /// The files `--prune` removed (the scripts of `removed` targets that were there).
    public var pruned: [String] = []
    public var files: [String]
    public var firewall: [String]
    public var warnings: [String]
    /// What writing changed besides the files (the folder's mode), and the precautions for
    /// every target (a static address is lost).
    public var notes: [String] = []
    /// The state file that remembers this plan for `listen`, `doctor` and `inspect --live`;
    /// nil with `--no-remember` or when it could not be written.
    public var remembered: String?

    public static let listenerFile = "listener.json"
    public static let tableFile = "host-table.txt"

    /// The files `plan` writes for one target, and the only ones `--prune` removes for it.
    public static func scriptFiles(for name: String) -> [String] {
        TargetScript.Kind.allCases.map { "\(name).\($0.rawValue)" }
    }

    /// What `SetupMemory` keeps of this plan: where it is, never a key.
    public var rememberedSetup: RememberedSetup {
        let folder = URL(fileURLWithPath: outDir).standardizedFileURL
        return RememberedSetup(folder: folder.path, madeBy: .plan,
                               listenerConfig: folder.appendingPathComponent(Self.listenerFile).path,
                               hostIp: targets.first?.hostIp, port: targets.count == 1 ? Int(targets[0].port.value) : nil,
                               targets: targets.count)
    }
}

/// A file the plan will write, fully rendered before anything touches the disk.
public struct PlannedFile: Sendable, Equatable {
    public var name: String
    public var contents: String
    public var mode: mode_t
}

public struct FleetPlanner: Sendable {
    public var inventory: Inventory
    /// From `--host-ip`; they replace the inventory's host addresses when given.
    public var hostAddresses: [HostAddress]
    public var outDir: URL
    public var rotateKeys = false
    public var hostOS: HostOS = .linux

    public init(inventory: Inventory, hostAddresses: [HostAddress] = [], outDir: URL) {
        self.inventory = inventory; self.hostAddresses = hostAddresses; self.outDir = outDir
    }

    /// Validates everything and renders every file; writes nothing.
    public func prepare(newKey: () -> DebugKey = DebugKey.generate) throws -> (FleetPlan, [PlannedFile]) {
        let hosts = try hostsByFamily()
        let prior = try loadPrior()
        let priorByName = Dictionary(uniqueKeysWithValues: (prior?.targets ?? []).map { ($0.name, $0) })
        guard !inventory.entries.isEmpty else { throw FleetPlanError.noTargets }
        try checkUniqueNames()
        let ports = try assignPorts(prior: priorByName)

        var planned: [FleetPlan.Target] = []
        var files: [PlannedFile] = []
        var config: [ListenerConfig.Target] = []
        var warnings = inventory.warnings
        var outsideRecommended: [(name: String, port: DebugPort)] = []
        var keyOwners: [Data: [String]] = [:]
        var families: Set<IPAddress.Family> = []
        for entry in inventory.entries {
            let port = ports[entry.name]!
            let old = priorByName[entry.name]
            let oldKey = old.flatMap { try? DebugKey(parsing: $0.key) }
            let key: DebugKey
            let status: FleetPlan.Target.Status
            if let given = entry.key {
                key = given
                let sameKey = oldKey.map { SecureRandom.constantTimeEqual($0.bytes, given.bytes) } ?? false
                status = old == nil ? .new : (sameKey && old?.port == port.value ? .kept : .changed)
            } else if let oldKey, !rotateKeys {
                key = oldKey
                status = old?.port == port.value ? .kept : .changed
            } else {
                key = newKey()
                status = old == nil ? .new : .rotated
            }
            let family = entry.family ?? (hosts[.ipv4] != nil ? .ipv4 : .ipv6)
            guard let host = hosts[family] else { throw FleetPlanError.noHostFor(entry.name, family) }

            var request = TargetSetupRequest(port: port, key: .given(key))
            request.hostAddress = host
            request.busParams = entry.busParams
            request.hostOS = hostOS
            let setup = try TargetSetup(request)
            families.insert(family)
            // One line for all ports outside the recommended range, not one per target.
            if !port.isRecommended { outsideRecommended.append((entry.name, port)) }
            // The host's own warnings are the same for every target: said once, below.
            let perHost = TargetSetup.hostWarnings(host)
            warnings += setup.warnings.filter { $0 != KeyReport.weakWarning && $0 != port.policyWarning && !perHost.contains($0) }
                .map { "\(entry.name): \($0)" }
            keyOwners[Data(key.bytes), default: []].append(entry.name)
            if key.isWeak { warnings.append("\(entry.name): the key in the inventory looks typed by hand; remove it from the inventory to get a random one") }
            if let note = entry.busParams?.conversionNote { warnings.append("\(entry.name): \(note)") }

            let names = FleetPlan.scriptFiles(for: entry.name)
            for (kind, name) in zip(TargetScript.Kind.allCases, names) {
                files.append(PlannedFile(name: name, contents: TargetScript.render(setup, as: kind), mode: AtomicFile.secretMode))
            }
            planned.append(.init(name: entry.name, port: port, redactedKey: key.redacted, family: family, hostIp: host.text,
                                 busparams: entry.busParams, status: status, files: names))
            config.append(.init(name: entry.name, port: port.value, key: key.text))
        }

        let hostWarnings = [IPAddress.Family.ipv4, .ipv6].filter(families.contains).compactMap { hosts[$0] }.flatMap(TargetSetup.hostWarnings)
        warnings.insert(contentsOf: hostWarnings, at: inventory.warnings.count)
        warnings += Self.portWarning(outsideRecommended)
        warnings += Self.sharedKeyWarnings(inventory.entries.map(\.name), keyOwners)

        let primary = hosts[.ipv4] ?? hosts[.ipv6]
        let listenerJSON = try JSONOutput.data(ListenerConfig(hostIp: primary?.text, targets: config))
        // What `listen --config` will read back must pass its checks.
        _ = try ListenerConfig.parse(listenerJSON, source: FleetPlan.listenerFile)
        files.append(PlannedFile(name: FleetPlan.tableFile, contents: Self.table(config), mode: AtomicFile.secretMode))
        // Renamed into place last, so an interrupted run leaves the previous assignments in place.
        files.append(PlannedFile(name: FleetPlan.listenerFile, contents: String(decoding: listenerJSON, as: UTF8.self) + "\n",
                                 mode: AtomicFile.secretMode))

        let kept = Set(inventory.entries.map(\.name))
        let removed = (prior?.targets ?? []).map(\.name).filter { !kept.contains($0) }
        let firewall = HostSide.firewallRules(ports: planned.map(\.port).sorted(), os: hostOS)
        var plan = FleetPlan(outDir: outDir.path, targets: planned, removed: removed, files: files.map(\.name),
                             firewall: firewall, warnings: warnings)
        // Said once for the fleet: any target may have a static address.
        plan.notes = [TargetSetup.staticAddressNote]
        return (plan, files)
    }

    /// What `write` did besides writing the files.
    public struct Written: Sendable, Equatable {
        /// The folder's mode, when it changed or could not be changed.
        public var notes: [String]
        /// The files removed for `pruning` targets.
        public var removed: [String]
    }

    /// Creates the folder (0700: it will hold keys) and writes every file or none: a
    /// failure leaves the folder as it was, and removes it if this call created it. An
    /// existing folder others can read is tightened to 0700; the notes say so. The
    /// scripts of the `pruning` targets (`--prune`: `removed` of the plan) are removed in
    /// the same all-or-none step; nothing else in the folder is touched.
    @discardableResult
    public func write(_ files: [PlannedFile], pruning: [String] = []) throws -> Written {
        let path = outDir.path
        var created: [String] = []
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDir) {
            guard isDir.boolValue else { throw FleetPlanError.outNotAFolder(path) }
        } else {
            created = Self.missingFolders(outDir)
            do {
                try FileManager.default.createDirectory(at: outDir, withIntermediateDirectories: true,
                                                        attributes: [.posixPermissions: 0o700])
            } catch {
                Self.remove(created)
                throw FleetPlanError.cannotCreate(path)
            }
        }
        let removed: [String]
        do {
            removed = try AtomicFileSet.write(files.map { AtomicFileSet.File(name: $0.name, contents: Data($0.contents.utf8), mode: $0.mode) },
                                              into: outDir, removing: pruning.flatMap(FleetPlan.scriptFiles))
        } catch {
            Self.remove(created)
            throw error
        }
        return Written(notes: created.isEmpty ? Self.tighten(outDir) : [], removed: removed)
    }

    /// The folders `createDirectory` would make for `url`, deepest last.
    static func missingFolders(_ url: URL) -> [String] {
        var missing: [String] = []
        var dir = url.standardizedFileURL
        while dir.path != "/", !FileManager.default.fileExists(atPath: dir.path) {
            missing.insert(dir.path, at: 0)
            dir = dir.deletingLastPathComponent()
        }
        return missing
    }

    private static func remove(_ folders: [String]) {
        for f in folders.reversed() { rmdir(f) }
    }

    /// Key files are 0600 anyway, but a readable folder still shows who the targets are.
    /// Only a folder holding nothing but plan's files is changed: `--out ~` must not
    /// lock others out of a home folder.
    static func tighten(_ dir: URL) -> [String] {
        var info = stat()
        guard stat(dir.path, &info) == 0, info.st_mode & 0o077 != 0 else { return [] }
        let old = "0" + String(info.st_mode & 0o7777, radix: 8)
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        let onlyPlanFiles = entries.allSatisfy {
            [FleetPlan.listenerFile, FleetPlan.tableFile].contains($0) || $0.hasSuffix(".cmd") || $0.hasSuffix(".ps1")
        }
        guard onlyPlanFiles else {
            return ["\(dir.path) is mode \(old) and holds other files, so it was left as it is; others can list the target names in it (`chmod 700 \(ShellWord.quoted(dir.path))` if that is fine)"]
        }
        guard chmod(dir.path, 0o700) == 0 else {
            return ["\(dir.path) is mode \(old) and could not be made 0700 (\(String(cString: strerror(errno)))); others can list the target names in it"]
        }
        return ["\(dir.path) was mode \(old); made it 0700, as it holds the keys"]
    }

    // MARK: Rules

    private func hostsByFamily() throws -> [IPAddress.Family: HostAddress] {
        let given = hostAddresses.isEmpty ? inventory.hostAddresses : hostAddresses
        guard !given.isEmpty else { throw FleetPlanError.noHostAddress }
        return try Self.checkHostAddresses(given)
    }

    /// At most one usable address per family: the rule for `--host-ip` flags and for
    /// the inventory's own host addresses alike.
    @discardableResult
    public static func checkHostAddresses(_ given: [HostAddress]) throws -> [IPAddress.Family: HostAddress] {
        var byFamily: [IPAddress.Family: HostAddress] = [:]
        for a in given {
            if let reason = a.unusableReason { throw TargetSetupError.unusableHost(reason) }
            if let other = byFamily[a.family] { throw FleetPlanError.twoHostAddresses(other.text, a.text) }
            byFamily[a.family] = a
        }
        return byFamily
    }

    private func loadPrior() throws -> ListenerConfig? {
        let url = outDir.appendingPathComponent(FleetPlan.listenerFile)
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        return try ListenerConfig.load(from: url)
    }

    private func checkUniqueNames() throws {
        var seen: [String: Inventory.Entry] = [:]
        for e in inventory.entries {
            // Windows file names ignore case, and the scripts are named after targets.
            if let first = seen[e.name.lowercased()] { throw FleetPlanError.duplicateName(e.name, first.line, e.line) }
            seen[e.name.lowercased()] = e
        }
    }

    /// Ports given in the inventory win, then ports from the previous run, then the
    /// lowest free ones from 50000 up.
    private func assignPorts(prior: [String: ListenerConfig.Target]) throws -> [String: DebugPort] {
        var owner: [DebugPort: String] = [:]
        var result: [String: DebugPort] = [:]
        for e in inventory.entries {
            guard let p = e.port else { continue }
            if let other = owner[p] { throw FleetPlanError.duplicatePort(p, other, e.name) }
            owner[p] = e.name; result[e.name] = p
        }
        for e in inventory.entries where e.port == nil {
            guard let old = prior[e.name], let p = try? DebugPort(validating: Int(old.port)) else { continue }
            if let other = owner[p] { throw FleetPlanError.portTakenFromPrior(p, other, e.name) }
            owner[p] = e.name; result[e.name] = p
        }
        var next = DebugPort.recommended.lowerBound
        for e in inventory.entries where result[e.name] == nil {
            while let p = try? DebugPort(validating: next), owner[p] != nil { next += 1 }
            guard let p = try? DebugPort(validating: next) else { throw FleetPlanError.outOfPorts }
            owner[p] = e.name; result[e.name] = p
        }
        return result
    }

    static func portWarning(_ outside: [(name: String, port: DebugPort)]) -> [String] {
        guard let first = outside.first else { return [] }
        if outside.count == 1 { return ["\(first.name): \(first.port.policyWarning ?? "")"] }
        let ports = outside.map(\.port).sorted()
        let range = DebugPort.recommended
        return ["\(grouped(outside.count)) targets use ports outside the recommended \(range.lowerBound)-\(range.upperBound) (from \(ports[0]) to \(ports[ports.count - 1])); your network policy may block them (ask your network administrators, or spread the fleet over hosts, \(range.count) targets each)"]
    }

    /// Whoever has the key of one target can debug every target sharing it.
    static func sharedKeyWarnings(_ order: [String], _ owners: [Data: [String]]) -> [String] {
        let groups = owners.values.filter { $0.count > 1 }
        let position = Dictionary(uniqueKeysWithValues: order.enumerated().map { ($1, $0) })
        return groups.sorted { position[$0[0], default: 0] < position[$1[0], default: 0] }.map { names in
            let shown = names.count > 5 ? names.prefix(5).joined(separator: ", ") + " and \(names.count - 5) more" : names.joined(separator: ", ")
            return "targets \(shown) share one key: whoever can debug one can debug them all; remove the key from the inventory for all but one, and each gets its own"
        }
    }

    /// 9960 as "9,960", whatever the locale.
    static func grouped(_ n: Int) -> String {
        var digits = Array(String(n))
        var i = digits.count - 3
        while i > 0 { digits.insert(",", at: i); i -= 3 }
        return String(digits)
    }

    static func table(_ targets: [ListenerConfig.Target]) -> String {
        let rows = [["name", "port", "key", "windbg"]] + targets.map {
            [$0.name, String($0.port), $0.key, "windbg -k net:port=\($0.port),key=\($0.key)"]
        }
        let widths = (0..<3).map { c in rows.map { $0[c].count }.max() ?? 0 }
        return rows.map { row in
            (0..<3).map { row[$0].padding(toLength: widths[$0], withPad: " ", startingAt: 0) }.joined(separator: "  ") + "  " + row[3]
        }.joined(separator: "\n") + "\n"
    }
}

public enum FleetPlanError: Error, Equatable, Sendable, LocalizedError {
    case noTargets
    case noHostAddress
    case twoHostAddresses(String, String)
    case noHostFor(String, IPAddress.Family)
    case duplicateName(String, Int, Int)
    case duplicatePort(DebugPort, String, String)
    case portTakenFromPrior(DebugPort, String, String)
    case outOfPorts
    case outNotAFolder(String)
    case cannotCreate(String)

    public var errorDescription: String? {
        switch self {
        case .noTargets: return "the inventory lists no targets; add one row (CSV) or one `- name:` (YAML) per target"
        case .noHostAddress: return "no host address; give --host-ip (or host_ip in a YAML inventory) with the address the targets send to"
        case .twoHostAddresses(let a, let b): return "two host addresses of one family (\(a) and \(b)); give at most one IPv4 and one IPv6"
        case .noHostFor(let n, let f): return "target \(n) uses \(f) but no \(f) host address was given; add --host-ip with the host's \(f) address"
        case .duplicateName(let n, let a, let b): return "target \(n) is listed twice (lines \(a) and \(b)); names must be unique (ignoring case)"
        case .duplicatePort(let p, let a, let b): return "targets \(a) and \(b) are both given port \(p); each target needs its own port, so change one in the inventory"
        case .portTakenFromPrior(let p, let a, let b): return "port \(p), given to \(a) in the inventory, already belongs to \(b) from the previous plan; give \(a) another port"
        case .outOfPorts: return "no free port is left up to 65535; split the fleet across hosts"
        case .outNotAFolder(let p): return "\(p) exists and is not a folder; give --out a folder"
        case .cannotCreate(let p): return "cannot create \(p); check that its parent exists and is writable"
        }
    }
}
