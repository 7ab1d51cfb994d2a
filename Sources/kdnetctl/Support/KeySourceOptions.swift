import ArgumentParser
import Foundation
import KDNetKit

/// Where a command gets the target's key: `--key`, `--key-file` or `$KDNETCTL_KEY`.
///
/// `--key` is the quickest to type but shows in the process list to every user of
/// the host; the file and the environment variable do not.
struct KeySourceOptions: ParsableArguments {
    @Option(parsing: .unconditional,
            help: ArgumentHelp("The target's key, as `bcdedit /dbgsettings` shows it (visible to other users in the process list; prefer --key-file or $KDNETCTL_KEY).", valueName: "key"))
    var key: DebugKey?

    @Option(name: .customLong("key-file"),
            help: ArgumentHelp("A file holding the key alone, which only its owner may access (chmod 600: any bit for group or others is refused).", valueName: "file"))
    var keyFile: String?

    func validate() throws {
        if key != nil, keyFile != nil { throw ValidationError("give the key with --key or with --key-file, not both") }
    }

    /// The key from `--key`, `--key-file` or `$KDNETCTL_KEY`, in that order; nil when none is given.
    func resolve() throws -> DebugKey? {
        if let key { return key }
        return try Self.fileOrEnvironment(keyFile)
    }

    static func fileOrEnvironment(_ keyFile: String?) throws -> DebugKey? {
        if let keyFile { return try KeyFile.read(path: keyFile) }
        return try KeyFile.fromEnvironment(ProcessInfo.processInfo.environment)
    }
}
