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
            File(name: cmdScript, contents: TargetScript.render(setup, as: .cmd), purpose: "run elevated on the target (Command Prompt)"),
            File(name: ps1Script, contents: TargetScript.render(setup, as: .ps1), purpose: "run elevated on the target (PowerShell)"),
            File(name: notesFile, contents: notes(setup), purpose: "the settings, the host's commands, how to turn debugging off"),
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

    /// What became of the `--out` folder before the files went in.
    enum Folder: Equatable {
        case created
        /// Others could not read it already.
        case alreadyPrivate
        /// It held nothing but an earlier run's files, so it was made 0700 (from the mode given).
        case tightened(from: Int)
        /// Others can read it and it holds other files too (or is not ours): left as it is.
        case leftOpen(mode: Int)
    }

    /// Writes each file atomically with mode 0600, in a folder made 0700 when it is new
    /// (see `prepare` for one that exists).
    static func write(_ files: [File], into dir: URL) throws -> (files: [WrittenFile], folder: Folder) {
        let folder = try prepare(dir)
        let written = try files.map { f in
            let url = dir.appendingPathComponent(f.name)
            try AtomicFile.write(f.contents, to: url, mode: AtomicFile.secretMode)
            return WrittenFile(path: url.path, mode: "0600", purpose: f.purpose)
        }
        return (written, folder)
    }

    /// An existing folder others can read is tightened to 0700 when it is empty or holds
    /// only the wizard's own files (an earlier run's), since the key goes in; a folder that
    /// holds other things too (a home, /tmp) is someone's choice and left as it is.
    static func prepare(_ dir: URL) throws -> Folder {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: dir.path, isDirectory: &isDir) else {
            do {
                try fm.createDirectory(at: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            } catch { throw WizardFileError.cannotCreate(dir.path) }
            return .created
        }
        guard isDir.boolValue else { throw WizardFileError.notAFolder(dir.path) }
        let mode = ((try? fm.attributesOfItem(atPath: dir.path))?[.posixPermissions] as? Int ?? 0) & 0o7777
        guard mode & 0o077 != 0 else { return .alreadyPrivate }
        let ours = Set(wizardFileNames)
        let contents = (try? fm.contentsOfDirectory(atPath: dir.path)) ?? [""]
        guard contents.allSatisfy(ours.contains), chmod(dir.path, 0o700) == 0 else { return .leftOpen(mode: mode) }
        return .tightened(from: mode)
    }

    static let cmdScript = "kdnet-target.cmd", ps1Script = "kdnet-target.ps1", notesFile = "kdnet-notes.txt"
    static let wizardFileNames = [cmdScript, ps1Script, notesFile, FleetPlan.listenerFile]
}

public enum WizardFileError: Error, LocalizedError, Sendable {
    case notAFolder(String)
    case cannotCreate(String)

    public var errorDescription: String? {
        switch self {
        case .notAFolder(let p): return "--out \(p) is a file, not a folder; give a folder to write the set-up into"
        case .cannotCreate(let p): return "cannot create --out \(p); check that its parent exists and is writable"
        }
    }
}
