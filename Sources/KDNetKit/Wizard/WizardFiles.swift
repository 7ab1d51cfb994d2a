import Foundation

/// The files a wizard run leaves in `--out`: the target's scripts, a notes file with
/// everything the user needs later, and the listener config. All hold the key: 0600.
enum WizardFiles {
    struct File {
        var name: String
        var contents: String
        var purpose: String
    }

    static func render(setup: TargetSetup, key: DebugKey, debugger: WizardFlow.Debugger, simulated: Bool) -> [File] {
        var files = [
            File(name: "kdnet-target.cmd", contents: TargetScript.render(setup, as: .cmd), purpose: "run elevated on the target (Command Prompt)"),
            File(name: "kdnet-target.ps1", contents: TargetScript.render(setup, as: .ps1), purpose: "run elevated on the target (PowerShell)"),
            File(name: "kdnet-notes.txt", contents: notes(setup), purpose: "the settings, the host's commands, how to turn debugging off"),
        ]
        if debugger == .kdnetctl, let port = setup.port {
            let config = ListenerConfig(hostIp: setup.hostIp, targets: [.init(name: "target", port: port.value, key: key.text)])
            let json = (try? JSONOutput.string(config)) ?? "{}"
            files.append(File(name: FleetPlan.listenerFile, contents: json + "\n", purpose: "kdnetctl listen --config"))
        }
        return files
    }

    static func notes(_ s: TargetSetup) -> String {
        var lines = [
            "KDNET set-up made by `kdnetctl wizard`. This file holds the debug key: keep it private.",
            "",
            "Host address: \(s.hostIp ?? "?") (\(s.family?.bcdeditElement ?? "hostip"))",
            "Port:         \(s.port.map(String.init(describing:)) ?? "?")",
            "Key:          \(s.key ?? "?")",
            "Busparams:    \(s.busparams?.description ?? "(not set)")",
            "",
            "On the target, in an elevated Command Prompt (or run kdnet-target.cmd / kdnet-target.ps1):",
        ]
        lines += s.steps.map { "  " + $0.cmdLine }
        if let h = s.host {
            lines += ["", "On the host, start one of these, then reboot the target (shutdown -r -t 0):",
                      "  " + h.listen, "  " + h.windbg, "  " + h.kd,
                      "", "Host firewall (\(h.firewallOs.rawValue)):"] + h.firewall.map { "  " + $0 }
        }
        lines += ["", "To turn debugging off: on the target, elevated, run `bcdedit /debug off` and reboot.",
                  "If a Hyper-V external switch was repointed to the Microsoft Kernel Debug Network Adapter, point it back to the NIC first."]
        if !s.warnings.isEmpty { lines += [""] + s.warnings.map { "Warning: " + $0 } }
        if !s.notes.isEmpty { lines += [""] + s.notes.map { "Note: " + $0 } }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Creates the folder (0700) if needed and writes each file atomically with mode 0600.
    static func write(_ files: [File], into dir: URL) throws -> [WrittenFile] {
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: dir.path, isDirectory: &isDir) {
            guard isDir.boolValue else { throw WizardFileError.notAFolder(dir.path) }
        } else {
            do {
                try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            } catch { throw WizardFileError.cannotCreate(dir.path) }
        }
        return try files.map { f in
            let url = dir.appendingPathComponent(f.name)
            try AtomicFile.write(f.contents, to: url, mode: AtomicFile.secretMode)
            return WrittenFile(path: url.path, mode: "0600", purpose: f.purpose)
        }
    }
}

public enum WizardFileError: Error, LocalizedError, Sendable, UsageProblem {
    case notAFolder(String)
    case cannotCreate(String)

    public var errorDescription: String? {
        switch self {
        case .notAFolder(let p): return "--out \(p) is a file, not a folder; give a folder to write the set-up into"
        case .cannotCreate(let p): return "cannot create --out \(p); check that its parent exists and is writable"
        }
    }
}
