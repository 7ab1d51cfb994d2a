/// Lets `dbgsettings lint` (and the doctor) ask whether a target's hostip is one of
/// this host's addresses, and on which interface.
extension HostNetworkSnapshot: HostAddressLookup {
    public func ownership(of address: HostAddress) -> HostAddressOwnership {
        if let owner = interface(owning: address.address) { return .local(interface: owner.name) }
        return interfaces.isEmpty ? .unknown : .notLocal
    }
}
