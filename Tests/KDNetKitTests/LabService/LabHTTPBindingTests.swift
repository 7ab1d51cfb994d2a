import Foundation
import Testing
@testable import KDNetKit

/// The `--http ADDR:PORT` value and the token rule.
@Suite struct LabHTTPBindingTests {
    @Test func addressesAndPortsParse() throws {
        #expect(try LabHTTPBinding.parse("127.0.0.1:8470") == LabHTTPBinding.default)
        let v6 = try LabHTTPBinding.parse("[::1]:8471")
        #expect(v6.endpoint.address == IPAddress("::1") && v6.endpoint.port == 8471 && v6.description == "[::1]:8471")
        #expect(try LabHTTPBinding.parse("0.0.0.0:80").endpoint.port == 80)
    }

    @Test(arguments: [
        ("127.0.0.1", "no port; give ADDR:PORT, e.g. 127.0.0.1:8470"),
        ("[::1]", "no port; give ADDR:PORT, e.g. 127.0.0.1:8470"),
        ("::1:8470", "write an IPv6 address in brackets, e.g. [::1]:8470"),
        ("[::1:8470", "not ADDR:PORT; give e.g. 127.0.0.1:8470 or [::1]:8470"),
        ("127.0.0.1:0", "port '0' is not a number from 1 to 65535; give e.g. 127.0.0.1:8470"),
        ("127.0.0.1:65536", "port '65536' is not a number from 1 to 65535; give e.g. 127.0.0.1:8470"),
        ("127.0.0.1:http", "port 'http' is not a number from 1 to 65535; give e.g. 127.0.0.1:8470"),
        ("localhost:8470", "'localhost' is not an IPv4 or IPv6 address; give one like 192.168.1.20, fd00::10 or fe80::1%eth0"),
        ("[fe80::1%nosuch0]:8470", "fe80::1%nosuch0 names the zone nosuch0, but this host has no interface nosuch0; give the interface the target is on, as `ip -brief link` lists it (e.g. fe80::1%eth0)"),
    ])
    func badValuesSayWhatToGive(text: String, message: String) throws {
        let error = #expect(throws: LabHTTPBindingError.self) { try LabHTTPBinding.parse(text) }
        #expect(error?.errorDescription == message)
        #expect(error?.errorDescription?.contains("\n") == false)
    }

    @Test func onlyLoopbackGoesWithoutAToken() throws {
        #expect(try !LabHTTPBinding.parse("127.0.0.1:8470").requiresToken)
        #expect(try !LabHTTPBinding.parse("127.0.0.5:8470").requiresToken)
        #expect(try !LabHTTPBinding.parse("[::1]:8470").requiresToken)
        #expect(try LabHTTPBinding.parse("0.0.0.0:8470").requiresToken)
        #expect(try LabHTTPBinding.parse("[::]:8470").requiresToken)
        #expect(try LabHTTPBinding.parse("192.0.2.1:8470").requiresToken)
        let open = try LabHTTPBinding.parse("0.0.0.0:8470")
        #expect(throws: LabHTTPBindingError.needsToken(open)) { try open.check(token: nil) }
        #expect(LabHTTPBindingError.needsToken(open).errorDescription == "--http 0.0.0.0:8470 is reachable from other hosts; give --http-token-file FILE or --http-token TOKEN too (clients send Authorization: Bearer TOKEN), or use --http 127.0.0.1:8470")
        try open.check(token: "0123456789abcdef")
        try open.check(token: nil, hasToken: true)
        try LabHTTPBinding.default.check(token: nil)
        try open.check(token: nil, serving: false)
        #expect(open.url == "http://0.0.0.0:8470/")
        for bad in ["", "has space", "tab\t", "é"] {
            #expect(throws: LabHTTPBindingError.unusableToken) { try LabHTTPBinding.default.check(token: bad) }
        }
    }

    /// A token of one character is guessed in a hundred requests.
    @Test func aTokenHasAtLeast16Characters() throws {
        for (bad, n) in [("x", 1), ("s3cret", 6), ("0123456789abcde", 15)] {
            #expect(throws: LabHTTPBindingError.shortToken(n)) { try LabHTTPBinding.default.check(token: bad) }
            #expect(throws: LabHTTPBindingError.shortToken(n)) { try LabHTTPBinding.parse("0.0.0.0:8470").check(token: bad, serving: false) }
        }
        try LabHTTPBinding.check(token: "0123456789abcdef")
        let message = try #require(LabHTTPBindingError.shortToken(1).errorDescription)
        #expect(message.contains("1 character, fewer than 16") && message.contains("openssl rand -hex 16"))
    }
}
