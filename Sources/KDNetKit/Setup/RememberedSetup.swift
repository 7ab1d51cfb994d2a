import Foundation

/// Where the last `wizard` or `plan` put its set-up, so that `listen`, `doctor` and
/// `inspect --live` run without flags afterwards. It records paths and settings that are
/// no secret: the key stays in the set-up's own 0600 files, which are read from there.
public struct RememberedSetup: Codable, Sendable, Equatable {
    public enum Maker: String, Codable, Sendable { case wizard, plan }

    /// The `--out` folder, absolute.
    public var folder: String
    public var madeBy: Maker
    /// The listener config inside `folder`, when the set-up has one (a WinDbg set-up has none).
    public var listenerConfig: String?
    public var hostIp: String?
    /// The port of a single target; nil for a plan of several.
    public var port: Int?
    public var targets: Int

    public init(folder: String, madeBy: Maker, listenerConfig: String?, hostIp: String?, port: Int?, targets: Int) {
        self.folder = folder
        self.madeBy = madeBy
        self.listenerConfig = listenerConfig
        self.hostIp = hostIp
        self.port = port
        self.targets = targets
    }

    /// "the setup in ./kdnet-setup (port 50000)": how commands name it in their first line.
    public var summary: String {
        let which = port.map { "port \($0)" } ?? "\(targets) targets"
        return "the setup in \(folder) (\(which))"
    }

    /// The first line of a command that runs on it: which setup, and how to choose another.
    public func usingLine(otherwise flags: String) -> String {
        "using \(summary); give \(flags) to choose another"
    }

    /// The setup's listener.json, read now (it holds the keys). A WinDbg setup has none.
    public func loadListenerConfig() throws -> ListenerConfig {
        guard let listenerConfig else { throw SetupMemoryError.forWinDbg(folder) }
        return try ListenerConfig.load(from: URL(fileURLWithPath: listenerConfig))
    }
}

/// The one file in the state directory that remembers the last set-up.
public struct SetupMemory: Sendable {
    public let state: StateDirectory
    public var file: URL { state.appending("last-setup.json") }

    public init(state: StateDirectory = StateDirectory()) { self.state = state }

    public func remember(_ setup: RememberedSetup) throws {
        try state.prepare()
        try AtomicFile.write(try JSONOutput.string(setup) + "\n", to: file, mode: AtomicFile.secretMode)
    }

    /// The remembered set-up, nil when there is none. One whose folder or config has gone
    /// is an error naming what went, since guessing another would debug the wrong target.
    public func recall() throws(SetupMemoryError) -> RememberedSetup? {
        let text: String
        do throws(TextInputError) {
            // A few lines; bounded all the same, as every file kdnetctl reads.
            text = try TextInput.read(path: file.path, expecting: "a remembered setup", limit: 1 << 20)
        } catch {
            // None, or one this user may not read (another user's state, reached with
            // `sudo -E` or `setpriv`): not this user's setup, as before the bounded read.
            if case .unreadable = error.problem { return nil }
            throw .damaged(file.path)
        }
        guard let setup = try? JSONOutput.decoder().decode(RememberedSetup.self, from: Data(text.utf8)) else {
            throw .damaged(file.path)
        }
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: setup.folder, isDirectory: &isDir), isDir.boolValue else {
            throw .folderGone(setup.folder)
        }
        if let config = setup.listenerConfig, !FileManager.default.fileExists(atPath: config) {
            throw .configGone(config)
        }
        return setup
    }

    public func forget() { unlink(file.path) }

    /// Remembers a setup for the commands that follow. A state directory that cannot be
    /// written must not fail the wizard or plan that already wrote their files: the
    /// outcome is said, not thrown.
    public func rememberIfPossible(_ setup: RememberedSetup) -> RememberOutcome {
        do {
            try remember(setup)
            return .remembered(file.path)
        } catch {
            return .notRemembered("could not remember this setup in \(state.url.path) (\(error.localizedDescription)); give --config or --port/--key to the commands that follow")
        }
    }
}

public enum RememberOutcome: Sendable, Equatable {
    /// In this file.
    case remembered(String)
    /// Why not, as a warning.
    case notRemembered(String)

    public var file: String? { if case .remembered(let f) = self { f } else { nil } }
    public var warning: String? { if case .notRemembered(let w) = self { w } else { nil } }
}

public enum SetupMemoryError: Error, LocalizedError, Equatable, Sendable {
    case damaged(String)
    case folderGone(String)
    case configGone(String)
    case forWinDbg(String)

    public var errorDescription: String? {
        switch self {
        case .damaged(let path):
            return "the remembered setup \(path) is damaged; remove it, or run `kdnetctl wizard` again to record a new one"
        case .folderGone(let folder):
            return "the remembered setup in \(folder) is gone; run `kdnetctl wizard` again, or give --port/--key or --config"
        case .configGone(let config):
            return "the remembered setup's \(config) is gone; run `kdnetctl wizard` or `kdnetctl plan` again, or give --port/--key or --config"
        case .forWinDbg(let folder):
            return "the remembered setup in \(folder) is for WinDbg on a Windows host and has no listener.json; give --port and the key (--key, --key-file or $KDNETCTL_KEY) to use kdnetctl here"
        }
    }
}
