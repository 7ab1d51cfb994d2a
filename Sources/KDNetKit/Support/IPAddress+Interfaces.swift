import Foundation

/// What a zone names on this host: interface names and indexes are the host's, so
/// they are asked here, outside the protocol core.
extension IPAddress {
    /// The zone (`%eth9`), when this host has no interface of that name or index.
    public var unknownZone: String? {
        guard let scope else { return nil }
        return scopeIndex == 0 ? scope : nil
    }

    /// The interface index the zone names (what `sin6_scope_id` carries); 0 for none or an unknown one.
    public var scopeIndex: UInt32 {
        guard let scope else { return 0 }
        if let index = UInt32(scope) {
            var name = [CChar](repeating: 0, count: Int(IF_NAMESIZE) + 1)
            return if_indextoname(index, &name) == nil ? 0 : index
        }
        return if_nametoindex(scope)
    }

    /// The zone for an interface index, by the interface's name when it still has one.
    public static func scope(ofIndex index: UInt32) -> String? {
        guard index != 0 else { return nil }
        var name = [CChar](repeating: 0, count: Int(IF_NAMESIZE) + 1)
        return if_indextoname(index, &name) != nil ? String(cChars: name) : String(index)
    }

    static func unknownZoneMessage(_ text: String, _ zone: String) -> String {
        "\(text) names the zone \(zone), but this host has no interface \(zone); give the interface the target is on, as `ip -brief link` lists it (e.g. fe80::1%eth0)"
    }
}
