import Foundation

/// A target that uses DHCP (the default) asks for its own address before its first poke,
/// and without a DHCP server falls back to a link-local one only after a wait. So early
/// silence may be that wait, not a fault: `listen`, the wizard and `doctor --listen` say
/// so while the silence is young, and diagnose it as usual after.
public struct DHCPWait: Sendable, Equatable {
    /// How long silence is put down to DHCP. The fallback's real wait is not documented:
    /// this is kdnetctl's choice, not a fact, and the hint says so.
    public static let assumedSeconds: Double = 60

    /// Whether the target's settings use DHCP; nil when they are not known, which is
    /// taken as the default (DHCP).
    public var targetUsesDHCP: Bool?

    public init(targetUsesDHCP: Bool? = nil) { self.targetUsesDHCP = targetUsesDHCP }

    /// From pasted `bcdedit /dbgsettings` output: `dhcp No` is nodhcp; absent means the default.
    public init(settings: DbgSettings?) {
        targetUsesDHCP = settings?.dhcp.map { $0.trimmingCharacters(in: .whitespaces).lowercased() != "no" }
    }

    /// The hint, while `seconds` of silence (no datagram at all) are within the assumed
    /// wait and the target may use DHCP; nil otherwise.
    public func hint(silentFor seconds: Double, datagrams: Int) -> String? {
        guard datagrams == 0, targetUsesDHCP != false, seconds < Self.assumedSeconds else { return nil }
        return text
    }

    /// Names the possibility with its source, the assumed wait as kdnetctl's choice,
    /// `nodhcp` and what nodhcp costs.
    public var text: String {
        let trap = TargetTraps.trap(.dhcpBeforePoke)
        let settings = targetUsesDHCP == true ? "the target's settings use DHCP"
            : "the target uses DHCP unless its settings say nodhcp (DHCP is the default)"
        return "possibly DHCP: \(settings); \(trap.claim) \(trap.citation). kdnetctl allows \(WaitProgress.seconds(Self.assumedSeconds)) s of silence for this (its own choice, not a documented figure) and diagnoses later silence as usual. If the target's network has no DHCP server, set nodhcp on the target (elevated: `bcdedit /dbgsettings net hostip:<host> port:<port> key:<key> nodhcp`, then reboot): KDNET then takes a link-local 169.254.x.x address at once, so the host must be reachable on that segment (the same switch, and an address in 169.254.0.0/16 on the NIC that faces the target)"
    }
}

/// Says the DHCP hint once, during the first silence of a wait, on the clock it is given
/// (tests drive it without waiting).
public struct DHCPWaitNotice {
    public let wait: DHCPWait
    private let clock: () -> Double
    private let started: Double
    private var said = false

    public init(_ wait: DHCPWait, clock: @escaping () -> Double = MonotonicClock.now) {
        self.wait = wait; self.clock = clock; started = clock()
    }

    /// Seconds since the wait began, on the injected clock.
    public var elapsed: Double { clock() - started }

    /// The hint the first time it applies after `after` seconds of silence; nil before,
    /// after it was said, once a datagram arrived, and once the assumed wait is over.
    public mutating func due(datagrams: Int, after delay: Double = DHCPWaitNotice.delay) -> String? {
        let now = elapsed
        guard !said, now >= delay, let hint = wait.hint(silentFor: now, datagrams: datagrams) else { return nil }
        said = true
        return hint
    }

    /// A poke within this long is the ordinary case: the hint waits for it to be missed.
    public static let delay = 5.0

    /// For the result of a wait that ended in silence: the hint when it ended within the
    /// assumed wait.
    public func atEnd(datagrams: Int) -> String? { wait.hint(silentFor: elapsed, datagrams: datagrams) }
}

extension ListenResult {
    /// A result that heard nothing within the assumed DHCP wait names that possibility in
    /// its explanation; later silence is explained as before.
    public mutating func noteDHCPWait(_ notice: DHCPWaitNotice) {
        guard !connected, diagnosis == .noTraffic, let hint = notice.atEnd(datagrams: seen?.total ?? 0) else { return }
        explanation = (explanation ?? TrafficDiagnosis.noTraffic.explanation) + "; or " + hint
    }
}
