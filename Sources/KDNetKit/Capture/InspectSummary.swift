/// What `inspect` found in a capture, as the one model both renderings use.
public struct InspectSummary: Codable, Sendable, Equatable {
    public struct Session: Codable, Sendable, Equatable {
        public var number: Int
        public var target: String?
        public var port: UInt16?
        public var host: String?
        /// The name of the key that opened it ("key 1", or the config's target name).
        public var key: String
        /// KDNET protocol version from the datagram header.
        public var protocolVersion: UInt8
        /// False for a version no real target was seen speaking (`KDNetVersion.known`).
        public var protocolVersionSeenBefore: Bool
        public var build: UInt16?
        public var major: String?
        public var bootDebugger: Bool?
        public var machine: String?
        public var kdProtocolVersion: UInt8?
        public var datagrams: Int
        public var startedByReboot: Bool
        public var missingTargetToHost: UInt64
        public var missingHostToTarget: UInt64
        public var outOfOrder: Int
        public var replayed: Int
        public var firstTime: Double?
        public var lastTime: Double?
        /// Only when asked for: the data key is as secret as the key it comes from.
        public var dataKey: String?

        public init(_ s: ObservedSession, showDataKey: Bool) {
            number = s.number; target = s.targetAddressText; port = s.targetPort; host = s.host?.description
            key = s.keyLabel; protocolVersion = s.protocolVersion
            protocolVersionSeenBefore = KDNetVersion.isKnown(s.protocolVersion)
            if let v = s.kernelVersion {
                build = v.build; major = "0x" + String(v.major, radix: 16, uppercase: true).leftPadded(to: 4)
                bootDebugger = v.isBootDebugger; machine = v.machineName; kdProtocolVersion = v.protocolVersion
            }
            datagrams = s.datagrams; startedByReboot = s.startedByReboot
            missingTargetToHost = s.missingTargetToHost; missingHostToTarget = s.missingHostToTarget
            outOfOrder = s.outOfOrder; replayed = s.replayed; firstTime = s.firstTime; lastTime = s.lastTime
            dataKey = showDataKey ? s.dataKey.revealedHex : nil
        }
    }

    /// The file or interface read.
    public var source: String
    public var linkType: String?
    public var frames = 0
    /// UDP datagrams looked at (KDNET or not).
    public var datagrams = 0
    public var authenticated = 0
    public var failedAuthentication = 0
    public var noHandshake = 0
    public var notKdnet = 0
    /// MDBG datagrams of a KDNET protocol version not seen before that no key opens (a
    /// wrong key or a new layout): a failure, as a wrong key is.
    public var unsupportedVersion = 0
    /// Those versions, each once, in the order seen.
    public var unsupportedVersions: [UInt8] = []
    /// Versions not seen before whose datagrams authenticate, each once: decoded, and
    /// not a failure.
    public var newVersions: [UInt8] = []
    public var malformed = 0
    /// Authenticated datagrams whose payload is not a readable KD packet.
    public var undecodable = 0
    public var ipFragmentsSkipped = 0
    public var framesCutShort = 0
    /// Frames of zero captured bytes: not cut short, just empty.
    public var emptyFrames = 0
    public var sessions: [Session] = []
    public var warnings: [String] = []
    /// Plain-language conclusions, the most important first.
    public var diagnosis: [String] = []

    public init(source: String, linkType: String?) { self.source = source; self.linkType = linkType }

    public var kdnetDatagrams: Int { datagrams - notKdnet }

    /// A problem was found: some datagram did not authenticate, or the file was cut short.
    /// A datagram that failed authentication or starts with MDBG but is not KDNET, or a
    /// damaged file: the capture did not open cleanly (exit 1).
    public var problemFound: Bool { failedAuthentication > 0 || malformed > 0 || unsupportedVersion > 0 || !warnings.isEmpty }

    mutating func count(_ record: ObservedDatagram) {
        count(record.status, kind: record.kind, hasProblem: record.problem != nil, protocolVersion: record.protocolVersion)
    }

    /// The same from the four fields it reads. A capture reader counts the record it
    /// reuses this way: handing over the whole record made a copy of it for the call,
    /// retaining and releasing every String and array in it, per datagram.
    mutating func count(_ status: ObservedDatagram.Status, kind: ObservedDatagram.Kind?, hasProblem: Bool, protocolVersion: UInt8?) {
        datagrams += 1
        switch status {
        case .authenticated:
            authenticated += 1
            if let v = protocolVersion, newVersions.count < 8, !newVersions.contains(v), !KDNetVersion.isKnown(v) { newVersions.append(v) }
            // A pattern, not `==`: the derived equality of an optional enum with a payload
            // was a call per datagram.
            if case .undecodable? = kind { undecodable += 1 } else if hasProblem { undecodable += 1 }
        case .failedAuthentication: failedAuthentication += 1
        case .noHandshake: noHandshake += 1
        case .notKDNet: notKdnet += 1
        case .malformed: malformed += 1
        case .unsupportedVersion:
            unsupportedVersion += 1
            if let v = protocolVersion, unsupportedVersions.count < 8, !unsupportedVersions.contains(v) { unsupportedVersions.append(v) }
        }
    }

    mutating func conclude(keyCount: Int) {
        var d: [String] = []
        let keys = keyCount == 1 ? "the key given" : "any of the \(keyCount) keys given"
        if failedAuthentication > 0 && authenticated == 0 {
            d.append("no KDNET datagram opened with \(keys): the key is wrong; give the key the target was set up with (`bcdedit /dbgsettings` on the target shows it)")
        } else if failedAuthentication > 0 {
            d.append("\(failedAuthentication) datagram(s) failed authentication while \(authenticated) opened: another target with another key (add its key with another --key), or damaged packets")
        }
        if noHandshake > 0 {
            d.append("\(noHandshake) data datagram(s) came before any handshake in this capture (it started mid-session), so they cannot be decrypted; this is not a wrong key. Start capturing before the target boots or the debugger connects")
        }
        if datagrams == 0 {
            d.append("no UDP datagrams in this capture")
        } else if kdnetDatagrams == 0 {
            d.append("no KDNET traffic: no UDP payload starts with MDBG")
        }
        if unsupportedVersion > 0 {
            let versions = TrafficDiagnosis.naming(unsupportedVersions: unsupportedVersions)
            d.append("\(unsupportedVersion) datagram(s) of \(versions) (no key given opens them; not another program); \(TrafficDiagnosis.unsupportedVersion.fix)")
        }
        if malformed > 0 { d.append("\(malformed) datagram(s) start with MDBG but are not well-formed KDNET") }
        if ipFragmentsSkipped > 0 { d.append("\(ipFragmentsSkipped) IP fragment(s) skipped: inspect does not reassemble fragments") }
        if framesCutShort > 0 { d.append("\(framesCutShort) frame(s) cut short (snap length too small?); capture with `tcpdump -s 0`") }
        if emptyFrames > 0 { d.append("\(emptyFrames) zero-length (empty) frame(s) skipped: the capture holds frames with no bytes") }
        let missing = sessions.reduce(UInt64(0)) { $0 + $1.missingTargetToHost + $1.missingHostToTarget }
        if missing > 0 { d.append("\(missing) data datagram(s) missing according to sequence numbers (lost, or not captured)") }
        let replays = sessions.reduce(0) { $0 + $1.replayed }
        if replays > 0 { d.append("\(replays) data datagram(s) replayed (a sequence number seen already); the target drops those") }
        if d.isEmpty && authenticated > 0 { d.append("every KDNET datagram authenticated") }
        for v in newVersions {
            d.append("\(KDNetVersion.notSeenBefore(v)) (\(KDNetVersion.knownText) were seen before): its datagrams authenticate and are decoded as the known layout; a record whose problem names a byte is where it differs")
        }
        diagnosis = d
    }
}

extension String {
    func leftPadded(to width: Int, with pad: Character = "0") -> String {
        count >= width ? self : String(repeating: pad, count: width - count) + self
    }
}
