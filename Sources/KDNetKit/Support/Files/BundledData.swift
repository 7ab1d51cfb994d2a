import Foundation

/// The JSON data files built into KDNetKit (Resources/, each with its origin in README.md).
enum BundledData {
    static func decode<T: Decodable>(_ type: T.Type, from file: String) throws -> T {
        guard let dir = resourceDirectory,
              let data = try? Data(contentsOf: dir.appendingPathComponent(file))
        else { throw BundledDataError.missing(file) }
        return try JSONOutput.decoder().decode(T.self, from: data)
    }

    /// Installed (the Debian package puts the files in /usr/share/kdnetctl, beside the
    /// binary's /usr/bin) before built: SwiftPM's `Bundle.module` only knows the build
    /// tree and a bundle directory next to the executable, and stops the process when
    /// neither exists, which is the case for a packaged binary.
    static let resourceDirectory: URL? = {
        if let installed = installedDirectory(
            executable: Bundle.main.executableURL?.resolvingSymlinksInPath()) {
            return installed
        }
        return Bundle.module.url(forResource: "Resources", withExtension: nil)
    }()

    /// `PREFIX/share/kdnetctl` for an executable in `PREFIX/bin`, when it exists.
    static func installedDirectory(executable: URL?) -> URL? {
        guard let bin = executable?.deletingLastPathComponent() else { return nil }
        let dir = bin.deletingLastPathComponent().appendingPathComponent("share/kdnetctl", isDirectory: true)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dir.path, isDirectory: &isDirectory), isDirectory.boolValue
        else { return nil }
        return dir
    }
}

/// A data file of the installation is not where it was put: nothing the user gave is wrong.
public enum BundledDataError: Error, Equatable, Sendable, LocalizedError {
    case missing(String)

    public var errorDescription: String? {
        switch self {
        case .missing(let file):
            return "the built-in data file \(file) is missing from the installation; reinstall kdnetctl"
        }
    }
}
