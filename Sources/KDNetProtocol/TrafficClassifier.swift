/// What one datagram arriving on a KDNET port is, from the listener's point of view.
/// `listen`, `doctor --listen` and `inspect` all sort traffic by these classes.
public enum TrafficClass: String, Sendable, Codable, CaseIterable {
    /// No MDBG magic: some other program's traffic.
    case notKDNet = "not-kdnet"
    /// MDBG magic and a protocol version not seen before (`KDNetVersion.known`) that does
    /// not authenticate: a wrong key or a new layout, not another program. An authentic
    /// one is `authenticated` and answered.
    case unsupportedVersion = "unsupported-version"
    /// MDBG magic and a known version, but an impossible length, channel or padding.
    case malformed
    /// A KDNET control datagram whose tag does not verify with our key.
    case wrongKey = "wrong-key"
    /// Authenticates, but comes from an address other than the expected one.
    case unexpectedSource = "unexpected-source"
    /// Authenticates with our key from an acceptable address.
    case authenticated
    /// A KDNET data datagram that cannot be checked without the session's data key.
    case unverifiedData = "kdnet-data"
}

extension DatagramError {
    /// The class of a datagram refused for this reason.
    public var trafficClass: TrafficClass {
        switch self {
        case .notKDNet: return .notKDNet
        case .unsupportedVersion: return .unsupportedVersion
        case .badLength, .unknownChannel, .badPadding: return .malformed
        case .authenticationFailed: return .wrongKey
        }
    }
}

/// Sorts traffic on a KDNET port into the classes above, without any session state.
/// The listener, the doctor and inspect use the same rules, so their verdicts agree.
public struct TrafficClassifier: Sendable {
    public let keys: KDNetKeys
    /// The address the target must send from, if known (its zone, if any, is not compared).
    public let expectedAddress: IPAddress?

    public init(keys: KDNetKeys, expectedAddress: IPAddress? = nil) {
        self.keys = keys; self.expectedAddress = expectedAddress
    }

    public init(key: DebugKey, expectedAddress: String? = nil) {
        self.init(keys: KDNetKeys(key: key), expectedAddress: expectedAddress.flatMap { IPAddress($0) })
    }

    /// `dataCipher`: the live session's data-channel cipher, when there is one.
    public func classify(_ bytes: [UInt8], from source: Endpoint, dataCipher: DatagramCipher? = nil) -> TrafficClass {
        examine(bytes, from: source, dataCipher: dataCipher).kind
    }

    /// The class, and why the datagram was refused when it was.
    public func examine(_ bytes: [UInt8], from source: Endpoint,
                        dataCipher: DatagramCipher? = nil) -> (kind: TrafficClass, problem: DatagramError?) {
        let envelope: DatagramEnvelope
        do { envelope = try DatagramEnvelope.peek(bytes) } catch { return (error.trafficClass, error) }
        let cipher: DatagramCipher
        switch envelope.channel {
        case .control: cipher = keys.controlCipher
        case .data:
            guard let dataCipher else { return (.unverifiedData, nil) }
            cipher = dataCipher
        }
        do { _ = try cipher.open(bytes) } catch {
            // Only the control channel's failure says the key is wrong; a data datagram
            // of another session (or an older one of ours) is just not ours to check.
            if error == .authenticationFailed, envelope.channel == .data { return (.unverifiedData, error) }
            // Of a version not seen before, a tag that does not verify may be a new layout.
            let refusal = KDNetVersion.isKnown(envelope.version) ? error : .unsupportedVersion(envelope.version)
            return (refusal.trafficClass, refusal)
        }
        if let expectedAddress, expectedAddress.bytes != source.address.bytes { return (.unexpectedSource, nil) }
        return (.authenticated, nil)
    }
}

/// Why nothing connected, judged from everything seen while waiting.
public enum TrafficDiagnosis: String, Sendable, Codable {
    case noTraffic = "no-traffic"
    case notKDNet = "not-kdnet"
    case unsupportedVersion = "unsupported-version"
    case malformed
    case wrongKey = "wrong-key"
    case unexpectedSource = "unexpected-source"
    /// Only data datagrams of a session this listener did not start: no key given here
    /// can open them, because their key was derived in that session's handshake.
    case otherDebugger = "other-debugger"
    /// The key is right and the handshake happened, but the exchange did not finish.
    case incomplete = "incomplete"

    /// E.g. "unknown version 6: a wrong key or a new layout".
    public static func naming(unsupportedVersions versions: [UInt8]) -> String {
        KDNetVersion.refusal(versions)
    }

    /// What it means, in the terms of the manual set-up: what arrived, then why.
    public var explanation: String { meaning.map { "\(observation): \($0)" } ?? observation }

    /// What arrived (or did not).
    public var observation: String {
        switch self {
        case .noTraffic: return "no datagram reached this port"
        case .notKDNet: return "datagrams arrived, but none is KDNET"
        case .unsupportedVersion: return "KDNET datagrams of a version not seen before (\(KDNetVersion.knownText) are) arrived but do not authenticate"
        case .malformed: return "datagrams starting with MDBG arrived, but none is well-formed KDNET (impossible length, channel or padding)"
        case .wrongKey: return "KDNET pokes arrived but do not authenticate"
        case .unexpectedSource: return "pokes with the right key arrived from an address other than the expected one"
        case .otherDebugger: return "only KDNET data of a running session arrived"
        case .incomplete: return "the target authenticated and the handshake started, but it stopped answering before its version was read"
        }
    }

    /// Why that happens; the doctor says it after its own account of what arrived. Nil
    /// where the observation says it all.
    public var meaning: String? {
        switch self {
        case .noTraffic: return "the target is not configured for this host and port, was not rebooted after bcdedit, or something drops it on the way"
        case .notKDNet: return "another program sends to this port"
        case .unsupportedVersion: return "a wrong key, or a KDNET whose layout kdnetctl cannot read yet; not another program"
        case .malformed: return "damaged on the way, or a program imitating KDNET"
        case .wrongKey: return "the target was set up with another key"
        case .otherDebugger: return "the target is already connected to a debugger (WinDbg or another listener), so its key cannot be checked here"
        case .unexpectedSource, .incomplete: return nil
        }
    }

    /// The fix, naming the step of the manual procedure that sets it.
    public var fix: String {
        switch self {
        case .noTraffic:
            return "on the target run `bcdedit /dbgsettings` and check hostip and port name this host and port; check the host firewall lets UDP in on the port; reboot the target after changing settings"
        case .notKDNet:
            return "pick a port no other program uses (50000-50039 is recommended) in `bcdedit /dbgsettings net hostip:A port:P` and listen on that one"
        case .unsupportedVersion:
            return "check the key first (`bcdedit /dbgsettings` on the target shows it) and listen with that one; if it is right, the target's KDNET is laid out anew: debug it with a current WinDbg, and keep a capture of it (`tcpdump -w FILE udp port P`, read with `kdnetctl inspect FILE --key K`) so the new layout can be supported; if it is not your target, give yours its own port"
        case .malformed:
            return "see what sends them with `kdnetctl inspect --live IFACE --filter 'udp port P'`; if it is the target, check the path does not cut or fragment datagrams (MTU), then reboot the target"
        case .wrongKey:
            return "listen with the key `bcdedit /dbgsettings` shows on the target, or set a new one there with `bcdedit /dbgsettings net hostip:A port:P key:K` and reboot"
        case .unexpectedSource:
            return "check which machine uses this port and key; if the target's address changed (DHCP), update the expected address"
        case .otherDebugger:
            return "stop the other debugger, then reboot the target (or wait for its next poke) and listen again"
        case .incomplete:
            return "check that nothing else (WinDbg, another listener) answers the same target, and that the network does not drop the larger datagrams; then reboot the target"
        }
    }
}

/// Counts of what was seen on a port while waiting, and from where.
public struct TrafficTally: Sendable, Codable, Equatable {
    public var total = 0
    public var notKdnet = 0
    /// MDBG datagrams of a protocol version not seen before that do not authenticate
    /// (a wrong key or a new layout). Authentic ones are `authenticated`.
    public var unsupportedVersion = 0
    /// Those versions, each once (at most `maxVersions`), in arrival order.
    public var unsupportedVersions: [UInt8] = []
    /// Versions not seen before (`KDNetVersion.known`) that arrived authentic, each once
    /// (at most `maxVersions`): answered as the target speaks them, as WinDbg does.
    public var newVersions: [UInt8] = []
    public var wrongKey = 0
    public var unexpectedSource = 0
    public var authenticated = 0
    public var kdnetData = 0
    /// Authentic data datagrams dropped as replays or reordered (sequence not above the last).
    public var outOfSequence = 0
    /// MDBG datagrams of a known version that are not well-formed KDNET (length,
    /// channel, padding), and authentic ones whose content does not parse.
    public var malformed = 0
    /// Authentic pokes from elsewhere while a session was live, not answered.
    public var refusedTakeover = 0
    /// Distinct sources seen (at most `maxSources`), in arrival order.
    public var sources: [String] = []
    static let maxSources = 16
    static let maxVersions = 8

    public init() {}

    /// Classifies one datagram and counts it; returns its class and why it was refused.
    @discardableResult
    public mutating func record(_ bytes: [UInt8], from source: Endpoint, by classifier: TrafficClassifier,
                                dataCipher: DatagramCipher? = nil) -> (kind: TrafficClass, problem: DatagramError?) {
        let verdict = classifier.examine(bytes, from: source, dataCipher: dataCipher)
        record(verdict.kind, from: source, protocolVersion: bytes.count > 4 ? bytes[4] : nil)
        return verdict
    }

    /// `protocolVersion`: the datagram's version byte, named by `.unsupportedVersion` and,
    /// when not seen before, by authentic datagrams.
    public mutating func record(_ kind: TrafficClass, from source: Endpoint, protocolVersion: UInt8? = nil) {
        total += 1
        if kind == .authenticated || kind == .unexpectedSource, let v = protocolVersion, !KDNetVersion.isKnown(v),
           newVersions.count < Self.maxVersions, !newVersions.contains(v) {
            newVersions.append(v)
        }
        switch kind {
        case .notKDNet: notKdnet += 1
        case .unsupportedVersion:
            unsupportedVersion += 1
            if let v = protocolVersion, unsupportedVersions.count < Self.maxVersions, !unsupportedVersions.contains(v) {
                unsupportedVersions.append(v)
            }
        case .malformed: malformed += 1
        case .wrongKey: wrongKey += 1
        case .unexpectedSource: unexpectedSource += 1
        case .authenticated: authenticated += 1
        case .unverifiedData: kdnetData += 1
        }
        let text = source.description
        if sources.count < Self.maxSources, !sources.contains(text) { sources.append(text) }
    }

    mutating func record(_ events: [SessionEvent]) {
        for e in events {
            switch e {
            case .outOfSequence: outOfSequence += 1
            case .malformed: malformed += 1
            case .refusedTakeover: refusedTakeover += 1
            default: break
            }
        }
    }

    /// The most telling reason: a right-key poke from elsewhere beats a wrong key,
    /// which beats KDNET of an unknown version, which beats datagrams that only look
    /// like KDNET, which beat foreign traffic, which beats silence.
    public var diagnosis: TrafficDiagnosis {
        if authenticated > 0 { return .incomplete }
        if unexpectedSource > 0 { return .unexpectedSource }
        if wrongKey > 0 { return .wrongKey }
        if unsupportedVersion > 0 { return .unsupportedVersion }
        if malformed > 0 { return .malformed }
        if notKdnet > 0 { return .notKDNet }
        if kdnetData > 0 { return .otherDebugger }
        return .noTraffic
    }

    /// The diagnosis's explanation, naming the versions seen when that is the reason.
    public var explanation: String {
        let d = diagnosis
        if d == .incomplete, !newVersions.isEmpty {
            // A new version whose exchange stops may be laid out anew: the lines naming
            // the datagrams that did not parse are where to look.
            let said = newVersions.map { "KDNET version \($0)" }.joined(separator: ", ")
            return d.explanation + "; it speaks \(said), not seen before: a datagram named as not parsing shows where its layout differs"
        }
        guard d == .unsupportedVersion, !unsupportedVersions.isEmpty else { return d.explanation }
        return "\(unsupportedVersionsText) (KDNET datagrams that do not authenticate, of a version not seen before; not another program)"
    }

    /// E.g. "unknown version 6: a wrong key or a new layout".
    public var unsupportedVersionsText: String { TrafficDiagnosis.naming(unsupportedVersions: unsupportedVersions) }
}
