/// Entry point to this host's network state (for `host`, the doctor and the listener).
public enum HostNetwork {
    /// Interfaces with addresses, and the main routing table, as the kernel has them now.
    public static func snapshot() throws -> HostNetworkSnapshot {
        try NetlinkReader.snapshot()
    }

    /// The MAC address the kernel's neighbour table (ARP or NDP) holds for `address`;
    /// nil when it has none (a routed target, or no traffic yet).
    public static func neighbourMAC(for address: IPAddress) -> String? {
        try? NetlinkReader.neighbourMAC(for: address)
    }

    /// Names of container and VM bridges (and their veth legs): a target on the LAN never
    /// reaches the host through them.
    static let virtualPrefixes = [
        "docker", "virbr", "br-", "veth", "cni", "flannel", "cali", "cilium", "vnet", "tap", "tun",
        "lxcbr", "lxdbr", "podman", "kube-", "weave", "vxlan", "genev", "vmnet", "vboxnet", "incusbr",
    ]

    /// Which kind of virtual interface a name looks like, nil for anything else.
    public static func virtualKind(of name: String) -> String? {
        virtualPrefixes.first { name.hasPrefix($0) }.map { _ in "a container or VM bridge" }
    }
}
