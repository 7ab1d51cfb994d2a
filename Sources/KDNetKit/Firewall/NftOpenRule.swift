/// The one nftables command kdnetctl prints to let KDNET's datagrams in, used by
/// `firewall`, `doctor`, `vm check` and the set-up notes of `bcdedit` and `plan`.
///
/// It inserts rather than adds: an added rule goes after any drop rule already in
/// the chain and may never be reached.
public enum NftOpenRule {
    /// Debian's /etc/nftables.conf layout, for set-ups written before the host's
    /// ruleset is known.
    public static let defaultChain = (family: "inet", table: "filter", chain: "input")

    public static func command(family: String = defaultChain.family, table: String = defaultChain.table,
                               chain: String = defaultChain.chain, interface: InterfaceName? = nil, ports: [Int]) -> String {
        var words = ["nft", "insert", "rule"].map(ShellWord.quoted) + [family, table, chain].map(ShellWord.quoted)
        if let interface {
            // A plain name keeps the familiar `iifname "eth0"`; any other goes to nft
            // as its string literal inside single quotes, so the shell changes nothing.
            let plain = interface.text.unicodeScalars.allSatisfy(ShellWord.isPlain)
            words += ["iifname", plain ? interface.nftLiteral : ShellWord.quoted(interface.nftLiteral)]
        }
        let set = ports.count == 1 ? String(ports[0]) : ShellWord.quoted("{ " + ports.map(String.init).joined(separator: ", ") + " }")
        words += ["udp", "dport", set, "accept"]
        return words.joined(separator: " ")
    }
}
