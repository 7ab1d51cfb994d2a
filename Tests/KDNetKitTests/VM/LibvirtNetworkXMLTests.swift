import Testing
@testable import KDNetKit

@Suite struct LibvirtNetworkXMLTests {
    @Test func defaultNATNetwork() throws {
        let xml = """
        <network connections='2'>
          <name>default</name>
          <uuid>9a05da11-e96b-47f3-8253-a3a482e445f5</uuid>
          <forward mode='nat'>
            <nat><port start='1024' end='65535'/></nat>
          </forward>
          <bridge name='virbr0' stp='on' delay='0'/>
          <mac address='52:54:00:0a:cd:21'/>
          <ip address='192.168.122.1' netmask='255.255.255.0'>
            <dhcp>
              <range start='192.168.122.2' end='192.168.122.254'/>
            </dhcp>
          </ip>
          <ip family='ipv6' address='fd00:1::1' prefix='64'/>
        </network>
        """
        let net = try LibvirtNetworkXML.parse(xml)
        #expect(net == LibvirtNetwork(
            name: "default", bridge: "virbr0", forwardMode: .nat, forwardModeRaw: "nat",
            ipv4Address: "192.168.122.1", ipv4Prefix: 24,
            dhcpRanges: [.init(start: "192.168.122.2", end: "192.168.122.254")], dhcpEnabled: true))
    }

    @Test func isolatedNetworkWithoutDHCP() throws {
        let xml = """
        <network>
          <name>kdnet-isolated</name>
          <bridge name='virbr5'/>
          <ip address='10.77.0.1' prefix='24'/>
        </network>
        """
        let net = try LibvirtNetworkXML.parse(xml)
        #expect(net.forwardMode == .none)
        #expect(net.forwardModeRaw == nil)
        #expect(net.ipv4Address == "10.77.0.1")
        #expect(net.ipv4Prefix == 24)
        #expect(!net.dhcpEnabled)
        #expect(net.dhcpRanges.isEmpty)
    }

    @Test func forwardModes() throws {
        func mode(_ forward: String) throws -> (LibvirtNetwork.ForwardMode, String?) {
            let n = try LibvirtNetworkXML.parse("<network><name>n</name>\(forward)</network>")
            return (n.forwardMode, n.forwardModeRaw)
        }
        #expect(try mode("<forward/>") == (.nat, "nat"))  // libvirt's default mode
        #expect(try mode("<forward mode='route' dev='eth0'/>") == (.route, "route"))
        #expect(try mode("<forward mode='open'/>") == (.open, "open"))
        #expect(try mode("<forward mode='bridge'/>") == (.bridge, "bridge"))
        #expect(try mode("<forward mode='passthrough'><interface dev='eth1'/></forward>") == (.other, "passthrough"))
    }

    @Test func twoDHCPRangesAndOddNetmask() throws {
        let xml = """
        <network><name>lab</name><forward mode='route'/>
          <ip address='10.0.0.1' netmask='255.255.252.0'>
            <dhcp><range start='10.0.0.10' end='10.0.0.99'/><range start='10.0.1.10' end='10.0.1.99'/>
              <host mac='52:54:00:00:00:01' ip='10.0.0.5'/></dhcp>
          </ip>
        </network>
        """
        let net = try LibvirtNetworkXML.parse(xml)
        #expect(net.ipv4Prefix == 22)
        #expect(net.dhcpRanges.map(\.start) == ["10.0.0.10", "10.0.1.10"])
        #expect(net.bridge == nil)
        #expect(LibvirtNetworkXML.prefixLength("255.0.255.0") == nil)
        #expect(LibvirtNetworkXML.prefixLength("0.0.0.0") == 0)
        #expect(LibvirtNetworkXML.prefixLength("255.255.255.255") == 32)
    }

    @Test func malformed() {
        #expect(throws: LibvirtNetworkXMLError.self) { try LibvirtNetworkXML.parse("<network><name>x</name>") }
        #expect(throws: LibvirtNetworkXMLError.notANetwork("domain")) { try LibvirtNetworkXML.parse("<domain><name>x</name></domain>") }
        #expect(throws: LibvirtNetworkXMLError.missingName) { try LibvirtNetworkXML.parse("<network><bridge name='virbr0'/></network>") }
    }
}
