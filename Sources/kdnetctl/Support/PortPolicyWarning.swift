import KDNetKit

/// The KDNET port policy (`DebugPort`) for commands that only test or judge a port
/// (probe, firewall, vm check): they take any UDP port, since a probe may test another
/// port on purpose, and say on stderr what `bcdedit`, `listen` and the other commands that
/// set or serve a target's port would refuse or warn about. The doctor says it as its
/// `port` check instead.
enum PortPolicyWarning {
    static func warn(_ port: Int) {
        guard let note = DebugPort.note(for: port) else { return }
        Console.err("warning: \(note) (taken here: this command only tests it)")
    }
}
