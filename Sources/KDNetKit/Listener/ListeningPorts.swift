/// How `listen` and `serve` name the ports they bound in their readiness lines: a few
/// one by one, a fleet as its range.
public enum ListeningPorts {
    /// `UDP 50000, 50001 (IPv4 and IPv6)`, or `UDP 50000-50299 (300 ports, 127.0.0.1)`.
    public static func describe(_ ports: [UInt16], bind: IPAddress?) -> String {
        let on = bind?.description ?? "IPv4 and IPv6"
        if ports.count <= 8 { return "UDP \(ports.map(String.init).joined(separator: ", ")) (\(on))" }
        return "UDP \(ports.min()!)-\(ports.max()!) (\(ports.count) ports, \(on))"
    }
}
