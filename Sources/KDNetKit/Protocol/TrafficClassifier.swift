/// What one datagram arriving on a KDNET port is, from the listener's point of view.
public enum TrafficClass: String, Sendable, Codable, CaseIterable {
    /// No MDBG magic, or an impossible KDNET length/version: some other program's traffic.
    case notKDNet = "not-kdnet"
    /// A KDNET control datagram whose tag does not verify with our key.
    case wrongKey = "wrong-key"
    /// Authenticates, but comes from an address other than the expected one.
    case unexpectedSource = "unexpected-source"
    /// Authenticates with our key from an acceptable address.
    case authenticated
    /// A KDNET data datagram that cannot be checked without the session's data key.
    case unverifiedData = "kdnet-data"
}

/// Sorts traffic on a KDNET port into the classes above, without any session state.
/// The listener and the doctor use the same rules, so their verdicts agree.
public struct TrafficClassifier: Sendable {
    public let keys: KDNetKeys
    /// The 16-byte (IPv4-mapped for IPv4) address the target must send from, if known.
    public let expectedAddress: [UInt8]?

    public init(keys: KDNetKeys, expectedAddress: [UInt8]? = nil) {
        self.keys = keys; self.expectedAddress = expectedAddress
    }

    public init(key: DebugKey, expectedAddress: String? = nil) {
        self.init(keys: KDNetKeys(key: key), expectedAddress: expectedAddress.flatMap { KDNetEndpoint($0, port: 0)?.address })
    }

    /// `dataCipher`: the live session's data-channel cipher, when there is one.
    public func classify(_ bytes: [UInt8], from source: KDNetEndpoint, dataCipher: DatagramCipher? = nil) -> TrafficClass {
        guard let envelope = try? DatagramEnvelope.peek(bytes) else { return .notKDNet }
        let authentic: Bool
        switch envelope.channel {
        case .control:
            guard keys.controlCipher.authenticates(bytes) else { return .wrongKey }
            authentic = true
        case .data:
            guard let dataCipher, dataCipher.authenticates(bytes) else { return .unverifiedData }
            authentic = true
        }
        if authentic, let expectedAddress, expectedAddress != source.address { return .unexpectedSource }
        return .authenticated
    }
}

/// Why nothing connected, judged from everything seen while waiting.
public enum TrafficDiagnosis: String, Sendable, Codable {
    case noTraffic = "no-traffic"
    case notKDNet = "not-kdnet"
    case wrongKey = "wrong-key"
    case unexpectedSource = "unexpected-source"
    /// The key is right and the handshake happened, but the exchange did not finish.
    case incomplete = "incomplete"

    /// What it means, in the terms of the manual set-up.
    public var explanation: String {
        switch self {
        case .noTraffic:
            return "no datagram reached this port: the target is not sending to this host and port, or something drops it on the way"
        case .notKDNet:
            return "datagrams arrived, but none is KDNET: another program sends to this port"
        case .wrongKey:
            return "KDNET pokes arrived but do not authenticate: the target was set up with a different key"
        case .unexpectedSource:
            return "pokes with the right key arrived from an address other than the expected one"
        case .incomplete:
            return "the target authenticated and the handshake started, but it stopped answering before its version was read"
        }
    }

    /// The fix, naming the step of the manual procedure that sets it.
    public var fix: String {
        switch self {
        case .noTraffic:
            return "on the target run `bcdedit /dbgsettings` and check hostip and port name this host and port; check the host firewall lets UDP in on the port; reboot the target after changing settings"
        case .notKDNet:
            return "pick a port no other program uses (50000-50039 is recommended) in `bcdedit /dbgsettings net hostip:A port:P` and listen on that one"
        case .wrongKey:
            return "listen with the key `bcdedit /dbgsettings` shows on the target, or set a new one there with `bcdedit /dbgsettings net hostip:A port:P key:K` and reboot"
        case .unexpectedSource:
            return "check which machine uses this port and key; if the target's address changed (DHCP), update the expected address"
        case .incomplete:
            return "check that nothing else (WinDbg, another listener) answers the same target, and that the network does not drop the larger datagrams; then reboot the target"
        }
    }
}

/// Counts of what was seen on a port while waiting, and from where.
public struct TrafficTally: Sendable, Codable, Equatable {
    public var total = 0
    public var notKdnet = 0
    public var wrongKey = 0
    public var unexpectedSource = 0
    public var authenticated = 0
    public var kdnetData = 0
    /// Distinct sources seen (at most `maxSources`), in arrival order.
    public var sources: [String] = []
    static let maxSources = 16

    public init() {}

    public mutating func record(_ kind: TrafficClass, from source: KDNetEndpoint) {
        total += 1
        switch kind {
        case .notKDNet: notKdnet += 1
        case .wrongKey: wrongKey += 1
        case .unexpectedSource: unexpectedSource += 1
        case .authenticated: authenticated += 1
        case .unverifiedData: kdnetData += 1
        }
        let text = source.description
        if sources.count < Self.maxSources, !sources.contains(text) { sources.append(text) }
    }

    /// The most telling reason: a right-key poke from elsewhere beats a wrong key,
    /// which beats foreign traffic, which beats silence.
    public var diagnosis: TrafficDiagnosis {
        if authenticated > 0 { return .incomplete }
        if unexpectedSource > 0 { return .unexpectedSource }
        if wrongKey > 0 { return .wrongKey }
        if notKdnet > 0 || kdnetData > 0 { return .notKDNet }
        return .noTraffic
    }
}
