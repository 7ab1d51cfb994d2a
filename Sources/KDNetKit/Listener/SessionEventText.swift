/// The one line each session event is said with, for `listen`, the wizard's listener and
/// `simulate-target` alike. Text from the network (a malformed datagram's reason) comes
/// escaped for the terminal.
public enum SessionEventText {
    /// As the host side says it (`listen`, the wizard); nil for events it keeps quiet about.
    /// `following`: `listen --follow`, which streams the target's output and continues it
    /// after every stop instead of breaking in once to read its version.
    public static func host(_ event: SessionEvent, following: Bool = false) -> String? {
        switch event {
        case .notKDNet(let from):
            return "\(from) sends datagrams that are not KDNET (another program on this port?)"
        case .unsupportedVersion(let from, let version):
            return "\(from) sends KDNET that does not authenticate, \(TrafficDiagnosis.naming(unsupportedVersions: [version])) (not another program)"
        case .malformed(let from, let reason):
            return "\(from) sends MDBG datagrams that are not well-formed KDNET (\(TerminalText.escaped(reason)))"
        case .failedAuthentication(let from):
            return "\(from) sends KDNET pokes that fail authentication: its key is not the one given here"
        case .unexpectedSource(let from):
            return "\(from) sends pokes with the right key but is not the expected address; not answering"
        case .newVersion(_, let version):
            return KDNetVersion.notSeenBefore(version)
        case .handshake(let peer, let rekey):
            return "poke from \(peer) authenticates; answering" + (rekey ? " (it was bound to another debugger session: re-keying it)" : "")
        case .refusedTakeover(let from, let peer):
            return "\(from) sends pokes with the right key while \(peer) holds the session; not answering (a replay, or a second machine with the same key and port)"
        case .rebooted(let peer):
            return "target \(peer) rebooted (a poke with no bound debugger): starting a new session"
        case .connected(let peer):
            return "connected to \(peer)" + (following ? "; following its debug output" : "; breaking in to read its version")
        case .version(let v):
            return "Windows build \(v.build), \(v.machineName); continuing the target"
        case .gaveUp(let reason):
            return "\(reason); waiting for the target's next poke"
        case .stateChange(let kind) where following:
            return "target stopped (\(kind)); continuing it"
        case .stateChange, .outOfSequence, .keepalive, .breakIn, .debugPrint, .continued:
            return nil
        }
    }

    /// As the simulated target says it; nil for events it keeps quiet about.
    public static func target(_ event: SessionEvent) -> String? {
        switch event {
        case .handshake(let peer, _): return "host \(peer) answered a poke: data key derived"
        case .connected: return "connection check answered: connected"
        case .breakIn: return "break-in received"
        case .stateChange(let kind): return "halted (\(kind))"
        case .continued: return "continued by the host: running"
        case .failedAuthentication(let from): return "a datagram from \(from) fails authentication (different key?)"
        case .unsupportedVersion(let from, let version):
            return "a datagram from \(from) does not authenticate, \(TrafficDiagnosis.naming(unsupportedVersions: [version]))"
        case .malformed(let from, let reason):
            return "a datagram from \(from) is not well-formed KDNET (\(TerminalText.escaped(reason)))"
        case .gaveUp(let reason): return reason
        case .notKDNet, .unexpectedSource, .outOfSequence, .keepalive, .refusedTakeover, .rebooted, .version, .debugPrint, .newVersion:
            return nil
        }
    }

    /// Warnings about a sender are said once per sender and kind, not at every datagram:
    /// the key that tells them apart; nil for events said every time.
    public static func onceKey(_ event: SessionEvent) -> String? {
        switch event {
        case .notKDNet(let from): return "not-kdnet \(from.address)"
        case .unsupportedVersion(let from, let version): return "version \(version) \(from.address)"
        case .malformed(let from, _): return "malformed \(from.address)"
        case .failedAuthentication(let from): return "wrong-key \(from.address)"
        case .unexpectedSource(let from): return "unexpected \(from.address)"
        case .refusedTakeover(let from, _): return "takeover \(from.address)"
        default: return nil
        }
    }
}
