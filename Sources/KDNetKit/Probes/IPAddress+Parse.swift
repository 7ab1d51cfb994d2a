extension IPAddress {
    /// Parses or throws the usage error naming the bad value. A zone must name an
    /// interface of this host: the kernel would otherwise drop it without a word.
    public static func parse(_ text: String) throws(ProbeInputError) -> IPAddress {
        guard let a = IPAddress(text) else { throw .badAddress(text) }
        if let zone = a.unknownZone { throw .unknownZone(text, zone) }
        return a
    }
}
