import Foundation
import Testing
@testable import KDNetKit

/// The printed `nft insert rule` survives the shell it is pasted into: what nft
/// receives is the rule kdnetctl meant, whatever the interface or table is called.
@Suite struct NftOpenRuleTests {
    /// The words a POSIX shell makes of `line`, as the program it runs would get them.
    static func shellWords(_ line: String) throws -> [String] {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        // `nft` is replaced by printf so nothing runs; each word comes back NUL-terminated.
        p.arguments = ["-c", "nft() { printf '%s\\0' \"$@\"; }; " + line]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
    }

    @Test func insertsBeforeAnyDropAndKeepsTheFamiliarForm() throws {
        #expect(NftOpenRule.command(ports: [50000]) == "nft insert rule inet filter input udp dport 50000 accept")
        let eth = try InterfaceName(parsing: "eth0")
        #expect(NftOpenRule.command(family: "ip", table: "a", chain: "in", interface: eth, ports: [50000])
                == "nft insert rule ip a in iifname \"eth0\" udp dport 50000 accept")
    }

    @Test func oddNamesReachNftUnchanged() throws {
        let odd = try InterfaceName(parsing: "we$rd;x")
        let line = NftOpenRule.command(table: "my table", chain: "in'put", interface: odd, ports: [50000, 50001])
        #expect(try Self.shellWords(line) == ["insert", "rule", "inet", "my table", "in'put", "iifname", "\"we$rd;x\"",
                                             "udp", "dport", "{ 50000, 50001 }", "accept"])
        let plain = NftOpenRule.command(interface: try InterfaceName(parsing: "br-lab.7"), ports: [50000])
        #expect(try Self.shellWords(plain) == ["insert", "rule", "inet", "filter", "input", "iifname", "br-lab.7",
                                              "udp", "dport", "50000", "accept"])
    }

    @Test(arguments: [
        ("", InterfaceNameError.empty),
        ("abcdefghijklmnop", InterfaceNameError.tooLong("abcdefghijklmnop")),
        ("..", InterfaceNameError.reserved("..")),
        ("a/b", InterfaceNameError.forbiddenCharacter("a/b", "/")),
        ("a b", InterfaceNameError.forbiddenCharacter("a b", " ")),
        ("a:1", InterfaceNameError.forbiddenCharacter("a:1", ":")),
        ("a\"b", InterfaceNameError.unquotable("a\"b", "\"")),
        ("a\u{1b}b", InterfaceNameError.unquotable("a\u{1b}b", "\u{1b}")),
    ])
    func interfaceNamesFollowTheKernelsRules(text: String, expected: InterfaceNameError) {
        #expect(throws: expected) { try InterfaceName(parsing: text) }
    }

    @Test func fifteenBytesIsTheLongestName() throws {
        #expect(try InterfaceName(parsing: "abcdefghijklmno").text.utf8.count == 15)
        #expect(try InterfaceName(parsing: "lo").existsHere)
        #expect(try !InterfaceName(parsing: "kdnet-none0").existsHere)
    }

    @Test func shellWordsQuoteOnlyWhatNeedsIt() {
        #expect(ShellWord.quoted("eth0") == "eth0")
        #expect(ShellWord.quoted("") == "''")
        #expect(ShellWord.quoted("a b") == "'a b'")
        #expect(ShellWord.quoted("it's") == "'it'\\''s'")
    }

    @Test func hostAddressesAsIpPrintsThemAndMappedOnesAreRefused() throws {
        #expect(try HostAddress(parsing: "192.168.1.10/24").text == "192.168.1.10")
        #expect(try HostAddress(parsing: "fd00::2/64").text == "fd00::2")
        #expect(throws: HostAddressError.malformed("10.0.0.1/33")) { try HostAddress(parsing: "10.0.0.1/33") }
        #expect(throws: HostAddressError.malformed("10.0.0.1/x")) { try HostAddress(parsing: "10.0.0.1/x") }
        #expect(throws: HostAddressError.ipv4Mapped("::ffff:192.168.1.1", "192.168.1.1")) { try HostAddress(parsing: "::ffff:192.168.1.1") }
    }
}
