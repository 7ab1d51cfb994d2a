/// Listens passively on the port and says what the target's traffic shows: nothing,
/// something that is not KDNET, KDNET with another key or from another machine, or
/// KDNET that authenticates.
struct ListenCheck: DoctorCheck {
    static let name = "listen"
    var port: Int
    var key: DebugKey
    var seconds: Double
    var target: IPAddress?
    var hint: SettingsHint
    /// Whether the target's settings use DHCP: early silence may be its wait for an address.
    var dhcp = DHCPWait()

    var activity: String { "listening on UDP port \(port) for \(Int(seconds)) s" }

    func run(in environment: any DoctorEnvironment, progress: (DoctorProgress) -> Void) -> [DoctorCheckResult] {
        let classifier = TrafficClassifier(key: key, expectedAddress: target?.unscoped.description)
        do {
            let seen = try environment.watchTraffic(port: port, seconds: seconds, classifier: classifier) { left, seen in
                progress(.listening(secondsLeft: left, seen: seen.tally))
            }
            return [Self.judge(seen, port: port, seconds: seconds, target: target, hint: hint, dhcp: dhcp)]
        } catch {
            return [.couldNotCheck(Self.name, "listen on UDP port \(port)", error,
                                   fix: "free the port (see the port-free line) and run the doctor again")]
        }
    }

    static func judge(_ seen: ObservedTraffic, port: Int, seconds: Double, target: IPAddress?, hint: SettingsHint,
                      dhcp: DHCPWait = DHCPWait()) -> DoctorCheckResult {
        let t = seen.tally
        let counts = [("authenticated", t.authenticated), ("from an unexpected address", t.unexpectedSource),
                      ("with another key", t.wrongKey), ("of an unknown KDNET version", t.unsupportedVersion),
                      ("malformed KDNET", t.malformed), ("not KDNET", t.notKdnet), ("KDNET data of another session", t.kdnetData)]
            .filter { $0.1 > 0 }.map { "\($0.1) datagram\($0.1 == 1 ? "" : "s") \($0.0)" }
        let heard = "in \(Int(seconds)) s on UDP port \(port)"
        let expected = target.map { "the expected target \($0.unscoped)" } ?? "the target"
        // The listener's own diagnosis decides which evidence tells most, what it means and
        // what to do; the doctor words what it saw (senders, counts) and, where it knows
        // more (its own flags, the target's settings), the fix.
        let diagnosis = t.diagnosis
        let meaning = diagnosis.meaning.map { ": " + $0 } ?? ""
        var cause: String
        var fix: String? = diagnosis.fix
        switch diagnosis {
        case .incomplete:
            cause = "KDNET from \(seen.senders(.authenticated)) authenticates with the given key \(heard): the target is set up for this host; hand over to `kdnetctl listen --port \(port) --key <key>` (or start the debugger) to connect"
            fix = nil
        case .unexpectedSource:
            cause = "KDNET with the right key arrived from \(seen.senders(.unexpectedSource)), not from \(expected), \(heard)" + meaning
            fix = "if that is the target (its address changed, e.g. by DHCP), run the doctor with --target set to it; otherwise another machine uses this port and key: give each target its own port or key"
        case .wrongKey:
            cause = "KDNET from \(seen.senders(.wrongKey)) fails authentication with the given key \(heard)" + meaning
            fix = "read the target's key: on the target, run `bcdedit /dbgsettings` in an elevated prompt and give the key it shows to the debugger (--key); or set yours there: \(hint.onTarget())"
        case .unsupportedVersion:
            cause = "\(t.unsupportedVersionsText) arrived from \(seen.senders(.unsupportedVersion)) \(heard)" + meaning
        case .malformed:
            cause = "UDP starting with MDBG arrived from \(seen.senders(.malformed)) \(heard), but none of it is well-formed KDNET (impossible length, channel or padding)" + meaning
        case .notKDNet:
            cause = "UDP from \(seen.senders(.notKDNet)) arrived \(heard), but none of it is KDNET" + meaning
        case .otherDebugger:
            cause = "\(diagnosis.explanation) (from \(seen.senders(.unverifiedData)), \(heard))"
        case .noTraffic:
            cause = "nothing arrived \(heard)" + meaning
            // Within the assumed DHCP wait the silence may be the target asking for an address.
            if let possibly = dhcp.hint(silentFor: seconds, datagrams: t.total) {
                cause += "; or \(possibly)"
                fix = (fix.map { $0 + "; " } ?? "") + "or listen longer than \(WaitProgress.seconds(DHCPWait.assumedSeconds)) s (--listen 90) to give a target without a DHCP server time to fall back"
            }
        }
        var result = DoctorCheckResult(name: name, verdict: verdict(for: diagnosis), cause: cause, fix: fix, details: counts)
        if !t.newVersions.isEmpty { noteNewVersions(t.newVersions, in: &result) }
        return result
    }

    /// Authentic KDNET of a version not seen before is answered as WinDbg answers it, so
    /// it is not a failure; but a new version may have a new layout, hence a warning.
    static func noteNewVersions(_ versions: [UInt8], in result: inout DoctorCheckResult) {
        let said = versions.map(KDNetVersion.notSeenBefore).joined(separator: "; ")
        result.cause += "; \(said) (\(KDNetVersion.knownText) were seen before)"
        if result.verdict == .pass { result.verdict = .warn }
        result.fix = result.fix ?? "nothing to change here: `kdnetctl listen` answers it; if a later datagram does not parse, listen names the datagram and the byte: keep a capture of it (`tcpdump -w FILE udp port P`) so the new version can be supported"
    }

    /// Traffic that authenticates passes; a running session of another debugger is a
    /// warning (nothing is wrong with the set-up, but it cannot be checked); the rest fails.
    static func verdict(for diagnosis: TrafficDiagnosis) -> CheckVerdict {
        switch diagnosis {
        case .incomplete: return .pass
        case .otherDebugger: return .warn
        case .noTraffic, .notKDNet, .unsupportedVersion, .malformed, .wrongKey, .unexpectedSource: return .fail
        }
    }
}
