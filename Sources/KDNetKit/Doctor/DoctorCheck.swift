import Foundation

/// What the doctor is doing now, for a live status line.
public enum DoctorProgress: Sendable {
    /// A check started; the text says what it does ("pinging 10.0.0.2").
    case checking(String)
    case pinged(sent: Int, answered: Int, of: Int)
    /// While listening: seconds left and what arrived so far.
    case listening(secondsLeft: Double, seen: TrafficTally)
}

/// One small diagnostic: gathers its facts from the environment and judges them.
/// The judging is pure (static functions on each check) so every verdict is unit-tested.
protocol DoctorCheck: Sendable {
    /// What the status line shows while it runs.
    var activity: String { get }
    func run(in environment: any DoctorEnvironment, progress: (DoctorProgress) -> Void) -> [DoctorCheckResult]
}

extension DoctorCheckResult {
    /// A check that could not gather its facts: it cannot vouch for anything, but it
    /// is not the set-up's fault either.
    static func couldNotCheck(_ name: String, _ what: String, _ error: Error, fix: String? = nil) -> DoctorCheckResult {
        let message = (error as? LocalizedError)?.errorDescription ?? String(describing: error)
        return DoctorCheckResult(name: name, verdict: .warn, cause: "could not \(what): \(message)",
                                 fix: fix ?? "fix the problem named above and run the doctor again")
    }
}

/// The bcdedit line a fix asks the user to run on the target, filled in with what is
/// known. The key is never printed: the user has it.
struct SettingsHint: Sendable {
    var hostIP: String?
    var port: Int?

    init(request: DoctorRequest) {
        // A pasted value goes into the printed bcdedit line only as the address it parses
        // to: cmd.exe has no quoting that could pass a control character through, and
        // bcdedit takes nothing else there.
        hostIP = request.hostIP?.text ?? request.dbgSettings.flatMap { $0.hostipv6 ?? $0.hostip }
            .flatMap { IPAddress($0.trimmingCharacters(in: .whitespaces))?.description }
        port = request.port ?? request.dbgSettings?.port.flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }
    }

    init(hostIP: String?, port: Int?) { self.hostIP = hostIP; self.port = port }

    var element: String { hostIP.map { $0.contains(":") ? "hostipv6" : "hostip" } ?? "hostip" }

    /// `bcdedit /dbgsettings net hostip:H port:P key:<key>`, with `port` overriding the known one.
    func dbgsettings(port override: Int? = nil, withKey: Bool = true) -> String {
        let p = (override ?? port).map(String.init) ?? "<port>"
        return "bcdedit /dbgsettings net \(element):\(hostIP ?? "<this host's address>") port:\(p)" + (withKey ? " key:<key>" : "")
    }

    /// The full instruction: where to run it and what to do afterwards.
    func onTarget(port override: Int? = nil, withKey: Bool = true) -> String {
        "on the target, in an elevated prompt: `\(dbgsettings(port: override, withKey: withKey))`, then reboot it"
    }
}
