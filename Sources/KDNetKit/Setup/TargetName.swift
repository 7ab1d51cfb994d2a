import Foundation

/// The one rule for a target's name, wherever one is read: `plan`'s inventory and every
/// reader of listener.json (`serve`, `listen --config`, `inspect --config`, the wizard's
/// lab-service entry). Names become file names on both sides: NAME.cmd and NAME.ps1 on
/// the Windows target, DIR/NAME.log under `serve --log-dir`, so a name that passes is
/// usable as is in both.
public enum TargetName {
    public static let maxLength = 64

    /// The rule as messages and the README state it.
    public static let rule = "use letters, digits, '-', '_' and '.' (up to \(maxLength), not starting with '.'), and not a name Windows reserves (CON, PRN, AUX, NUL, COM0-9, LPT0-9)"

    public enum Problem: Sendable, Equatable {
        /// Empty, too long, a leading dot, or a character outside the set (a slash, a space, `<`).
        case notAFileName
        /// A device name on Windows (the stem before the first dot), whatever the case.
        case reserved(String)
    }

    /// What is wrong with `name`, or nil when it may be used.
    public static func problem(_ name: String) -> Problem? {
        guard (1...maxLength).contains(name.count), !name.hasPrefix("."),
              name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }) else {
            return .notAFileName
        }
        return windowsReservedName(name).map(Problem.reserved)
    }

    /// CON, PRN, AUX, NUL, COM0-COM9 and LPT0-LPT9 name devices on Windows, whatever the
    /// case and whatever follows the first dot; the scripts could not be saved there.
    static func windowsReservedName(_ name: String) -> String? {
        let stem = name.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)[0].uppercased()
        let devices: Set<String> = ["CON", "PRN", "AUX", "NUL"]
        if devices.contains(stem) { return stem }
        if stem.count == 4, ["COM", "LPT"].contains(stem.prefix(3)), stem.last!.isASCII, stem.last!.isNumber { return stem }
        return nil
    }

    /// A suggestion that is no longer reserved: the suffix goes before the first dot.
    static func renamed(_ name: String) -> String {
        let parts = name.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        return parts[0] + "-1" + (parts.count > 1 ? "." + parts[1] : "")
    }

    /// The problem as one clause after "target name 'X' ...".
    public static func explanation(_ name: String, _ problem: Problem) -> String {
        switch problem {
        case .notAFileName:
            return "is not usable as a file name; \(rule)"
        case .reserved(let device):
            return "cannot be a file name on Windows (\(device) is a reserved device name, with any extension), so \(name).cmd could not be saved on the target; rename the target (e.g. \(renamed(name)))"
        }
    }
}
