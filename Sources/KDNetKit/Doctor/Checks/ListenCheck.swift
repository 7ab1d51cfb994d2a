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

    var activity: String { "listening on UDP port \(port) for \(Int(seconds)) s" }

    func run(in environment: any DoctorEnvironment, progress: (DoctorProgress) -> Void) -> [DoctorCheckResult] {
        let classifier = TrafficClassifier(key: key, expectedAddress: target?.unscoped.description)
        do {
            let seen = try environment.watchTraffic(port: port, seconds: seconds, classifier: classifier) { left, seen in
                progress(.listening(secondsLeft: left, seen: seen.tally))
            }
            return [Self.judge(seen, port: port, seconds: seconds, target: target, hint: hint)]
        } catch {
            return [.couldNotCheck(Self.name, "listen on UDP port \(port)", error,
                                   fix: "free the port (see the port-free line) and run the doctor again")]
        }
    }

    static func judge(_ seen: ObservedTraffic, port: Int, seconds: Double, target: IPAddress?, hint: SettingsHint) -> DoctorCheckResult {
        let t = seen.tally
        let counts = [("authenticated", t.authenticated), ("from an unexpected address", t.unexpectedSource),
                      ("with another key", t.wrongKey), ("of an unknown KDNET version", t.unsupportedVersion),
                      ("malformed KDNET", t.malformed), ("not KDNET", t.notKdnet), ("KDNET data of another session", t.kdnetData)]
            .filter { $0.1 > 0 }.map { "\($0.1) datagram\($0.1 == 1 ? "" : "s") \($0.0)" }
        let heard = "in \(Int(seconds)) s on UDP port \(port)"
        let expected = target.map { "the expected target \($0.unscoped)" } ?? "the target"
        // The listener's own diagnosis decides which evidence tells most; the doctor
        // words it with the senders and counts it saw.
        switch t.diagnosis {
        case .incomplete:
            return DoctorCheckResult(name: name, verdict: .pass,
                                     cause: "KDNET from \(seen.senders(.authenticated)) authenticates with the given key \(heard): the target is set up for this host; hand over to `kdnetctl listen --port \(port) --key <key>` (or start the debugger) to connect",
                                     details: counts)
        case .unexpectedSource:
            return DoctorCheckResult(name: name, verdict: .fail,
                                     cause: "KDNET with the right key arrived from \(seen.senders(.unexpectedSource)), not from \(expected), \(heard)",
                                     fix: "if that is the target (its address changed, e.g. by DHCP), run the doctor with --target set to it; otherwise another machine uses this port and key: give each target its own port or key",
                                     details: counts)
        case .wrongKey:
            return DoctorCheckResult(name: name, verdict: .fail,
                                     cause: "KDNET from \(seen.senders(.wrongKey)) fails authentication with the given key \(heard): the target has another key",
                                     fix: "read the target's key: on the target, run `bcdedit /dbgsettings` in an elevated prompt and give the key it shows to the debugger (--key); or set yours there: \(hint.onTarget())",
                                     details: counts)
        case .unsupportedVersion:
            return DoctorCheckResult(name: name, verdict: .fail,
                                     cause: "\(t.unsupportedVersionsText) arrived from \(seen.senders(.unsupportedVersion)) \(heard): the target speaks a newer or older KDNET, not another program",
                                     fix: TrafficDiagnosis.unsupportedVersion.fix, details: counts)
        case .malformed:
            return DoctorCheckResult(name: name, verdict: .fail,
                                     cause: "UDP starting with MDBG arrived from \(seen.senders(.malformed)) \(heard), but none of it is well-formed KDNET (impossible length, channel or padding)",
                                     fix: TrafficDiagnosis.malformed.fix, details: counts)
        case .notKDNet:
            return DoctorCheckResult(name: name, verdict: .fail,
                                     cause: "UDP from \(seen.senders(.notKDNet)) arrived \(heard), but none of it is KDNET: another program sends to this port",
                                     fix: TrafficDiagnosis.notKDNet.fix, details: counts)
        case .otherDebugger:
            return DoctorCheckResult(name: name, verdict: .warn,
                                     cause: "\(TrafficDiagnosis.otherDebugger.explanation) (from \(seen.senders(.unverifiedData)), \(heard))",
                                     fix: TrafficDiagnosis.otherDebugger.fix, details: counts)
        case .noTraffic:
            return DoctorCheckResult(name: name, verdict: .fail,
                                     cause: "nothing arrived \(heard): the target is not configured for this host and port, was not rebooted after bcdedit, or something blocks it on the way",
                                     fix: TrafficDiagnosis.noTraffic.fix)
        }
    }
}
