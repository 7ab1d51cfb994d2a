/// A libvirt virtual network, as `virsh net-dumpxml` describes it.
public struct LibvirtNetwork: Sendable, Hashable, Codable {
    public enum ForwardMode: String, Sendable, Hashable, Codable, CaseIterable {
        case nat
        case route
        case open
        case bridge
        /// No `<forward>`: an isolated network the guests share with the host only.
        case none
        /// private, vepa, passthrough, hostdev: macvtap or device pools.
        case other
    }

    public struct DHCPRange: Sendable, Hashable, Codable {
        public var start: String
        public var end: String

        public init(start: String, end: String) {
            self.start = start
            self.end = end
        }
    }

    public var name: String
    public var bridge: String?
    public var forwardMode: ForwardMode
    /// The mode attribute as written, for `.other`.
    public var forwardModeRaw: String?
    /// The host's address on the network, which is what a guest behind it should use as hostip.
    public var ipv4Address: String?
    public var ipv4Prefix: Int?
    public var dhcpRanges: [DHCPRange]
    public var dhcpEnabled: Bool

    public init(
        name: String, bridge: String? = nil, forwardMode: ForwardMode = .none, forwardModeRaw: String? = nil,
        ipv4Address: String? = nil, ipv4Prefix: Int? = nil, dhcpRanges: [DHCPRange] = [], dhcpEnabled: Bool = false
    ) {
        self.name = name
        self.bridge = bridge
        self.forwardMode = forwardMode
        self.forwardModeRaw = forwardModeRaw
        self.ipv4Address = ipv4Address
        self.ipv4Prefix = ipv4Prefix
        self.dhcpRanges = dhcpRanges
        self.dhcpEnabled = dhcpEnabled
    }
}
