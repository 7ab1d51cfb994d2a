import ArgumentParser
import Foundation
import KDNetKit

struct PlanCommand: KdnetctlCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Give every target of a fleet its own port and key, and write their scripts and the listener config.",
        discussion: """
            The inventory is CSV (header name,port,key,busparams,family) or YAML (host_ip, \
            targets). Into --out it writes NAME.cmd and NAME.ps1 per target, host-table.txt \
            and listener.json (for `kdnetctl listen --config` and the lab service `kdnetctl serve \
            --config`, which shows and logs each target by its inventory name), all mode 0600. Running it \
            again keeps every port and key and only adds new targets; --rotate-keys makes \
            new keys. Targets no longer in the inventory are named; their NAME.cmd and \
            NAME.ps1 stay (holding their keys) unless --prune removes them. Nothing is \
            written unless the whole inventory is valid, and the files are written (and \
            pruned) all or none. Target names are file names on the target and under \
            `serve --log-dir` (NAME.log): letters, digits, '-', '_' and '.', up to 64, not \
            starting with '.', and not a name Windows reserves (CON, NUL, COM1, ...); \
            listener.json is held to the same rule. The plan is remembered (its folder, never a key) in \
            $XDG_STATE_HOME/kdnetctl (default ~/.local/state/kdnetctl) for `listen`, `doctor` \
            and `inspect --live` without flags; --no-remember skips this.
            """
    )

    @Option(help: "The inventory file (CSV or YAML).") var inventory: String
    @Option(help: "The folder to write into (created 0700 if missing).") var out: String
    @Option(help: "The host's address the targets send to (one IPv4 and/or one IPv6).")
    var hostIp: [HostAddress] = []
    @Flag(help: "Give every target a new key (keys given in the inventory stay).") var rotateKeys = false
    @Flag(help: "Remove the scripts (NAME.cmd, NAME.ps1: they hold keys) of targets no longer in the inventory, with the rest of the write.")
    var prune = false
    @Option(help: "The host's OS, for its firewall rule.") var hostOs: HostOS = .linux
    @Flag(help: "Do not remember this plan for `listen`, `doctor` and `inspect --live` (kept in $XDG_STATE_HOME/kdnetctl).") var noRemember = false
    @OptionGroup var output: OutputOptions

    func validate() throws {
        // URL(fileURLWithPath: "") is the current folder; an empty variable must not mean that.
        guard !out.isEmpty else { throw ValidationError("--out is empty; give the folder to write into (e.g. --out fleet)") }
        do { try FleetPlanner.checkHostAddresses(hostIp) } catch { throw ValidationError(error) }
    }

    func execute() async throws {
        let inv = try Inventory.load(from: URL(fileURLWithPath: inventory))
        // The one address the flags must give when the inventory gives none.
        if hostIp.isEmpty, inv.hostAddresses.isEmpty { throw ValidationError(FleetPlanError.noHostAddress) }
        var planner = FleetPlanner(inventory: inv, hostAddresses: hostIp, outDir: URL(fileURLWithPath: out))
        planner.rotateKeys = rotateKeys
        planner.hostOS = hostOs
        var (plan, files) = try planner.prepare()
        let written = try planner.write(files, pruning: prune ? plan.removed : [])
        plan.notes += written.notes
        plan.pruned = written.removed
        if !noRemember {
            switch SetupMemory().rememberIfPossible(plan.rememberedSetup) {
            case .remembered(let file):
                plan.remembered = file
                plan.notes.append("remembered in \(file): `kdnetctl listen`, `kdnetctl doctor` and `kdnetctl inspect --live` use this plan without flags (--no-remember skips this)")
            case .notRemembered(let why):
                plan.warnings.append(why)
            }
        }
        if output.json { try Console.json(plan); return }
        Console.out(Self.text(plan, pruning: prune))
        for w in plan.warnings { Console.err(Console.paint("warning:", .yellow, stderr: true) + " " + TerminalText.escaped(w)) }
        for n in plan.notes { Console.err("note: " + TerminalText.escaped(n)) }
    }

    static func text(_ plan: FleetPlan, pruning: Bool) -> String {
        let rows = [["target", "port", "family", "host", "status"]] + plan.targets.map {
            [TerminalText.escaped($0.name), $0.port.description, $0.family.rawValue, $0.hostIp, $0.status.rawValue]
        }
        let widths = (0..<5).map { c in rows.map { $0[c].count }.max() ?? 0 }
        var lines = rows.map { row in
            ("  " + (0..<5).map { row[$0].padding(toLength: widths[$0], withPad: " ", startingAt: 0) }.joined(separator: "  ")).trimmingTrailingBlanks
        }
        lines.insert("Wrote \(plan.files.count) files to \(TerminalText.escaped(plan.outDir)) (mode 0600: they hold the keys):", at: 0)
        lines += [
            "",
            "On each target, run NAME.cmd or NAME.ps1 elevated. Keys and debugger commands: \(FleetPlan.tableFile).",
            "Listen for all of them: kdnetctl listen --config \(TerminalText.escaped(ShellWord.quoted((plan.outDir as NSString).appendingPathComponent(FleetPlan.listenerFile))))",
            "Host firewall:",
        ] + plan.firewall.map { "  " + $0 }
        let gone = plan.removed.map { TerminalText.escaped($0) }.joined(separator: ", ")
        if pruning, !plan.removed.isEmpty {
            lines.append("No longer in the inventory: \(gone); " + (plan.pruned.isEmpty ? "none of their scripts was left to remove"
                : "removed (--prune): " + plan.pruned.map { TerminalText.escaped($0) }.joined(separator: ", ")))
        } else if !plan.removed.isEmpty {
            lines.append("No longer in the inventory: \(gone); their scripts, which hold their keys, are left in place (--prune removes them)")
        }
        return lines.joined(separator: "\n")
    }
}

extension String {
    fileprivate var trimmingTrailingBlanks: String {
        var s = self
        while s.last == " " { s.removeLast() }
        return s
    }
}
