/// Endpoints to small numbers (the observer's target slots), looked up once or twice for
/// every datagram. Open addressing over a multiply-mix of the endpoint's two words, keyed
/// by a random seed per table so that a hostile capture cannot choose colliding
/// addresses; Dictionary's SipHash cost more than the rest of the lookup together.
/// Entries are kept in insertion order, so iterating is deterministic.
struct EndpointTable: Sendable {
    private(set) var entries: [(key: UDPEndpoint, value: Int)] = []
    /// For each bucket, the index into `entries` plus one; 0 is empty.
    private var buckets: [Int32] = Array(repeating: 0, count: 16)
    private let seed = UInt64.random(in: .min ... .max) | 1

    var count: Int { entries.count }

    subscript(key: UDPEndpoint) -> Int? {
        get {
            let mask = buckets.count - 1
            var b = bucket(key) & mask
            while true {
                let e = Int(buckets[b])
                if e == 0 { return nil }
                if entries[e - 1].key == key { return entries[e - 1].value }
                b = (b + 1) & mask
            }
        }
    }

    /// Adds `key` (which must not be in the table yet) with `value`.
    mutating func insert(_ key: UDPEndpoint, _ value: Int) {
        entries.append((key, value))
        if entries.count * 2 > buckets.count {
            buckets = Array(repeating: 0, count: buckets.count * 2)
            for i in entries.indices { place(i) }
        } else {
            place(entries.count - 1)
        }
    }

    private mutating func place(_ i: Int) {
        let mask = buckets.count - 1
        var b = bucket(entries[i].key) & mask
        while buckets[b] != 0 { b = (b + 1) & mask }
        buckets[b] = Int32(i + 1)
    }

    private func bucket(_ key: UDPEndpoint) -> Int {
        let a = key.address.low ^ seed
        let b = key.address.high ^ UInt64(key.port) << 1 ^ (key.address.isIPv4 ? 1 : 0)
        var h = (a &* 0x9E37_79B9_7F4A_7C15) ^ ((b ^ seed >> 7) &* 0xC2B2_AE3D_27D4_EB4F)
        h ^= h >> 31
        h = h &* 0x94D0_49BB_1331_11EB
        return Int(truncatingIfNeeded: h >> 20)
    }
}
