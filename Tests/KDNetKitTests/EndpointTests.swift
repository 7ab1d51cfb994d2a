import Foundation
import Testing
@testable import KDNetKit

/// The one address model: text in and out, the socket address bridge, the KDNET wire form.
@Suite struct EndpointTests {
    /// What `withSockAddr` hands the kernel, read back as a `sockaddr_storage`.
    static func storage(of endpoint: Endpoint, mappedToIPv6: Bool = false) -> sockaddr_storage {
        var storage = sockaddr_storage()
        endpoint.withSockAddr(mappedToIPv6: mappedToIPv6) { address, length in
            withUnsafeMutableBytes(of: &storage) { $0.copyMemory(from: UnsafeRawBufferPointer(start: address, count: Int(length))) }
        }
        return storage
    }

    static func scopeID(_ storage: sockaddr_storage) -> UInt32 {
        withUnsafeBytes(of: storage) { $0.load(as: sockaddr_in6.self).sin6_scope_id }
    }

    @Test func theZoneTravelsAsTheScopeIDBothWays() throws {
        let lo = if_nametoindex("lo")
        try #require(lo != 0)
        let endpoint = try #require(Endpoint("fe80::1%lo", port: 50000))
        let storage = Self.storage(of: endpoint)
        #expect(Int32(storage.ss_family) == AF_INET6)
        #expect(Self.scopeID(storage) == lo)
        #expect(Endpoint(storage: storage) == endpoint)
        // An index as the zone names the same interface; it comes back by name.
        let byIndex = try #require(Endpoint("fe80::1%\(lo)", port: 50000))
        #expect(Self.scopeID(Self.storage(of: byIndex)) == lo)
        #expect(Endpoint(storage: Self.storage(of: byIndex))?.address.scope == "lo")
    }

    @Test func aZonelessAddressHasNoScopeID() throws {
        let storage = Self.storage(of: try #require(Endpoint("fd00::1", port: 7)))
        #expect(Self.scopeID(storage) == 0)
        #expect(Endpoint(storage: storage) == Endpoint("fd00::1", port: 7))
    }

    @Test func ipv4GoesNativeOrMappedAndComesBackAsIPv4() throws {
        let endpoint = try #require(Endpoint("192.0.2.7", port: 50001))
        let native = Self.storage(of: endpoint)
        #expect(Int32(native.ss_family) == AF_INET)
        #expect(Endpoint(storage: native) == endpoint)
        let mapped = Self.storage(of: endpoint, mappedToIPv6: true)
        #expect(Int32(mapped.ss_family) == AF_INET6)
        #expect(Endpoint(storage: mapped) == endpoint)
    }

    @Test func ipv6IsWrittenInBracketsWithItsZone() throws {
        #expect(try #require(Endpoint("fe80::1%eth0", port: 50000)).description == "[fe80::1%eth0]:50000")
        #expect(try #require(Endpoint("[2001:db8::1]", port: 1)).description == "[2001:db8::1]:1")
        #expect(try #require(Endpoint("192.0.2.1", port: 2)).description == "192.0.2.1:2")
        #expect(UDPEndpoint("fd00::1", port: 5)?.description == "[fd00::1]:5")
        #expect(KDNetEndpoint(try #require(Endpoint("fd00::1", port: 5))).description == "[fd00::1]:5")
    }

    @Test func theWireFormMapsIPv4AndDropsTheZone() throws {
        let v4 = try #require(Endpoint("192.168.0.13", port: 50000))
        let wire = KDNetEndpoint(v4)
        #expect(wire.address == [UInt8](repeating: 0, count: 10) + [0xff, 0xff, 192, 168, 0, 13])
        #expect(wire.endpoint == v4)
        #expect(KDNetEndpoint(bytes: ArraySlice(wire.encoded())) == wire)
        let scoped = try #require(Endpoint("fe80::2%lo", port: 50000))
        #expect(KDNetEndpoint(scoped).endpoint == Endpoint("fe80::2", port: 50000))
    }

    @Test func oneParserForEveryAddressType() throws {
        // The capture's fixed-size address reads and writes text as IPAddress does.
        for text in ["192.0.2.1", "2001:db8::1", "::ffff:192.0.2.1", "fe80::1"] {
            #expect(PacketAddress(text)?.description == IPAddress(text)?.description)
            #expect(PacketAddress(text)?.ipAddress == IPAddress(text))
        }
        #expect(PacketAddress("fe80::1%eth0") == nil)  // a capture's header carries no zone
        #expect(try HostAddress(parsing: "fd00::10").address == IPAddress("fd00::10"))
        #expect(throws: HostAddressError.malformed("[fd00::10]")) { try HostAddress(parsing: "[fd00::10]") }
        #expect(throws: HostAddressError.scoped("fe80::1%eth0")) { try HostAddress(parsing: "fe80::1%eth0") }
        #expect(IPAddress("10.0.0.1%eth0") == nil)  // IPv4 has no zones
    }
}
