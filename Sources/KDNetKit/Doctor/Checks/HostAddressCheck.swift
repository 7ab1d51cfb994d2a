/// The address the target sends to must be one of this host's, and a link-local one
/// only works when host and target share a switch.
struct HostAddressCheck: DoctorCheck {
    static let name = "host-ip"
    var hostIP: HostAddress
    var hint: SettingsHint
    var simulatedTargetOnThisHost = false

    var activity: String { "looking for \(hostIP) on this host" }

    func run(in environment: any DoctorEnvironment, progress: (DoctorProgress) -> Void) -> [DoctorCheckResult] {
        do {
            return [Self.judge(hostIP: hostIP, snapshot: try environment.hostNetwork(), hint: hint,
                               simulatedTargetOnThisHost: simulatedTargetOnThisHost)]
        } catch {
            return [.couldNotCheck(Self.name, "read this host's addresses", error)]
        }
    }

    static func judge(hostIP: HostAddress, snapshot: HostNetworkSnapshot, hint: SettingsHint,
                      simulatedTargetOnThisHost: Bool = false) -> DoctorCheckResult {
        if simulatedTargetOnThisHost, hostIP.isLoopback {
            return DoctorCheckResult(name: name, verdict: .pass, cause: "\(hostIP) is loopback, where the simulated target on this machine sends")
        }
        let own = ownAddresses(snapshot)
        let choose = "give the target one of this host's addresses facing it (`kdnetctl host --target ADDR` picks one): "
        if let reason = hostIP.unusableReason {
            return DoctorCheckResult(name: name, verdict: .fail, cause: reason,
                                     fix: choose + SettingsHint(hostIP: nil, port: hint.port).onTarget(withKey: false), details: own)
        }
        guard let owner = snapshot.interface(owning: hostIP.address) else {
            return DoctorCheckResult(name: name, verdict: .fail,
                                     cause: "\(hostIP) is not an address of this host, so the target's datagrams go to another machine",
                                     fix: choose + SettingsHint(hostIP: nil, port: hint.port).onTarget(withKey: false), details: own)
        }
        if hostIP.isLinkLocal {
            return DoctorCheckResult(name: name, verdict: .warn,
                                     cause: "\(hostIP) (on \(owner.name)) is link-local: it never crosses a router, so host and target must be plugged into the same switch or hub",
                                     fix: "keep both on one switch, or give the host a routable (DHCP or static) address and the target a DHCP one")
        }
        return DoctorCheckResult(name: name, verdict: .pass, cause: "\(hostIP) is this host's address on \(owner.name)")
    }

    /// This host's addresses a target could reach, as `address (interface)` lines.
    static func ownAddresses(_ snapshot: HostNetworkSnapshot) -> [String] {
        snapshot.interfaces.filter { !$0.isLoopback }.flatMap { i in
            i.addresses.map { "this host has \($0.address) on \(i.name)" }
        }
    }
}
