import Foundation

/// Golden files: output compared with a file committed under
/// Tests/KDNetKitTests/Fixtures/golden. With KDNETCTL_UPDATE_GOLDEN=1 the file is
/// written instead, and the check still fails, saying it recorded: a recording run
/// compares nothing, so it must never pass as a test. Review the diff, then run again
/// without the variable.
public enum Golden {
    /// The golden folder in the source tree (not a bundle copy), so a recording lands
    /// where it is committed; both test targets read the same files.
    public static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Tests/KDNetKitTests/Fixtures/golden")

    public static var isRecording: Bool { ProcessInfo.processInfo.environment["KDNETCTL_UPDATE_GOLDEN"] == "1" }

    public enum Failure: Error, CustomStringConvertible, Equatable {
        case recorded(String)
        case missing(String)
        case unwritable(String, reason: String)
        case differs(String, line: Int, expected: String, actual: String)

        public var description: String {
            switch self {
            case .recorded(let name):
                return "recorded \(name); review the diff and run again without KDNETCTL_UPDATE_GOLDEN"
            case .missing(let name):
                return "golden file \(name) does not exist; run with KDNETCTL_UPDATE_GOLDEN=1 to record it, then review it"
            case .unwritable(let name, let reason):
                return "cannot record golden \(name): \(reason)"
            case .differs(let name, let line, let expected, let actual):
                return "output differs from golden \(name) at line \(line): expected \(expected.debugDescription), got \(actual.debugDescription)"
            }
        }
    }

    /// NAME and arguments of each case in cases.txt, the command lines the golden files record.
    public static func cases() throws -> [(name: String, arguments: [String])] {
        try String(contentsOf: folder.appendingPathComponent("cases.txt"), encoding: .utf8)
            .split(separator: "\n").filter { !$0.hasPrefix("#") && !$0.isEmpty }
            .map { line in
                let parts = line.split(separator: "\t", maxSplits: 1)
                return (String(parts[0]), parts[1].split(separator: " ").map(String.init))
            }
    }

    /// Throws unless `actual` is the content of golden file `name`; in record mode writes
    /// it and throws `.recorded`. Use inside `#expect(throws: Never.self)` to check every
    /// file of a loop and record them all in one run.
    public static func check(_ actual: String, against name: String, in folder: URL = folder,
                             recording: Bool = isRecording) throws(Failure) {
        let file = folder.appendingPathComponent(name)
        if recording {
            do { try Data(actual.utf8).write(to: file) } catch { throw .unwritable(name, reason: error.localizedDescription) }
            throw .recorded(name)
        }
        guard let expected = try? String(contentsOf: file, encoding: .utf8) else { throw .missing(name) }
        guard actual != expected else { return }
        let e = expected.split(separator: "\n", omittingEmptySubsequences: false)
        let a = actual.split(separator: "\n", omittingEmptySubsequences: false)
        let line = zip(e, a).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(e.count, a.count)
        throw .differs(name, line: line + 1, expected: line < e.count ? String(e[line]) : "(end of file)",
                       actual: line < a.count ? String(a[line]) : "(end of output)")
    }
}
