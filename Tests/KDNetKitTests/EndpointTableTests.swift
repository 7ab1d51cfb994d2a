import Testing
@testable import KDNetProtocol

/// The observer's table of target endpoints agrees with a Dictionary, through growth,
/// for addresses that differ only in the port or only in the family.
@Suite struct EndpointTableTests {
    static func v4(_ a: UInt32) -> PacketAddress { PacketAddress(ipv4: (0..<4).map { UInt8(truncatingIfNeeded: a >> (24 - 8 * $0)) }) }
    static func v6(_ high: UInt64, _ low: UInt64) -> PacketAddress {
        PacketAddress(ipv6: (0..<8).map { UInt8(truncatingIfNeeded: high >> (56 - 8 * $0)) } + (0..<8).map { UInt8(truncatingIfNeeded: low >> (56 - 8 * $0)) })
    }

    @Test func lookupsAgreeWithADictionaryThroughGrowth() throws {
        var table = EndpointTable()
        var reference: [UDPEndpoint: Int] = [:]
        var inserted: [UDPEndpoint] = []
        var generator = SystemRandomNumberGenerator()
        for i in 0..<5_000 {
            let endpoint: UDPEndpoint
            switch i % 4 {
            case 0: endpoint = UDPEndpoint(address: Self.v4(UInt32(0xC633_6400 + i % 50)), port: UInt16(50_000 + i / 50))
            case 1: endpoint = UDPEndpoint(address: Self.v6(0x2001_0db8_0000_0000, UInt64(i)), port: 50_000)
            case 2: endpoint = UDPEndpoint(address: Self.v6(0, UInt64(i)), port: 1)
            default: endpoint = UDPEndpoint(address: Self.v6(UInt64.random(in: 0...UInt64.max, using: &generator),
                                                            UInt64.random(in: 0...UInt64.max, using: &generator)),
                                            port: UInt16.random(in: 0...UInt16.max, using: &generator))
            }
            guard reference[endpoint] == nil else { continue }
            #expect(table[endpoint] == nil)
            table.insert(endpoint, inserted.count)
            reference[endpoint] = inserted.count
            inserted.append(endpoint)
        }
        #expect(table.count == reference.count && table.count > 4_000)
        for (endpoint, value) in reference { #expect(table[endpoint] == value) }
        #expect(table.entries.map(\.key) == inserted)
        // The same bits as an IPv4 address and as an IPv6 one are two endpoints.
        let v4 = UDPEndpoint(address: Self.v4(7), port: 9)
        let v6 = UDPEndpoint(address: Self.v6(0, 7), port: 9)
        var small = EndpointTable()
        small.insert(v4, 1)
        #expect(small[v4] == 1 && small[v6] == nil)
    }
}
