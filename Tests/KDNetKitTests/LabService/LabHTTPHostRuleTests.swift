import Foundation
import Testing
@testable import KDNetKit

/// Which Host and Origin values name the status page's server (DNS rebinding).
@Suite struct LabHTTPHostRuleTests {
    static let v4 = LabHTTPHostRule.serving(Endpoint("127.0.0.1", port: 8470)!, localAddresses: [], names: ["lab.example", "Build-Host"])
    static let v6 = LabHTTPHostRule.serving(Endpoint("::1", port: 8470)!, localAddresses: [], names: [])
    static let wildcard = LabHTTPHostRule.serving(Endpoint("0.0.0.0", port: 8470)!,
                                                  localAddresses: [IPAddress("192.168.1.20")!, IPAddress("10.0.0.5")!, IPAddress("fd00::20")!],
                                                  names: [])

    func host(_ rule: LabHTTPHostRule, _ value: String?, version: String = "HTTP/1.1") -> Bool {
        rule.refusal(host: value, origin: nil, version: version, isEventStream: false, changesState: false) == nil
    }

    @Test(arguments: ["127.0.0.1", "127.0.0.1:8470", "localhost", "localhost:8470", "LOCALHOST", "localhost.", "LocalHost.:8470",
                      "lab.example", "LAB.EXAMPLE.:8470", "build-host", "Build-Host:8470",
                      // A forward (ssh -L 9000:127.0.0.1:8470) or a proxy names another port.
                      "localhost:9000", "127.0.0.1:8471", "localhost:80"])
    func namesOfTheServerAreAccepted(_ value: String) { #expect(host(Self.v4, value), "\(value)") }

    @Test(arguments: ["evil.example", "evil.example:8470", "localhost:", "localhost:08470x",
                      "127.0.0.2", "127.1", "0x7f.0.0.1", "[::1]:8470", "[::ffff:127.0.0.1]", "localhost.evil.example",
                      "lab.example.evil", "sub.lab.example", "127.0.0.1.nip.io", "localhost..", "user@localhost", "localhost/x",
                      "localhost, evil.example", "lab.example:8470:8470", "", " ", "1.2.3.4:99999"])
    func everythingElseIsMisdirected(_ value: String) {
        #expect(Self.v4.refusal(host: value, origin: nil, version: "HTTP/1.1", isEventStream: false, changesState: false) == .misdirected(host: value))
    }

    @Test func aMissingHostIsMisdirectedOnHTTP11Only() {
        #expect(!host(Self.v4, nil))
        #expect(host(Self.v4, nil, version: "HTTP/1.0"))
        #expect(!host(Self.v4, "evil.example", version: "HTTP/1.0"))
    }

    @Test func ipv6LiteralsAreInBracketsWithOrWithoutThePort() {
        for good in ["[::1]", "[::1]:8470", "[0:0:0:0:0:0:0:1]:8470", "localhost:8470", "[::1]:8471"] { #expect(host(Self.v6, good), "\(good)") }
        for bad in ["::1", "::1:8470", "[::1]8470", "[::1]:99999", "[::1", "[::2]", "[fe80::1%25lo]", "127.0.0.1:8470", "[127.0.0.1]"] {
            #expect(!host(Self.v6, bad), "\(bad)")
        }
    }

    @Test func aWildcardBindTakesEveryLocalAddressOfItsFamily() {
        for good in ["192.168.1.20:8470", "10.0.0.5", "127.0.0.1:8470", "localhost", "192.168.1.20:8471"] { #expect(host(Self.wildcard, good), "\(good)") }
        // `--http 0.0.0.0` listens on IPv4 only; another host's address is no name of this one.
        for bad in ["[fd00::20]:8470", "192.168.1.21:8470", "0.0.0.0:8470"] { #expect(!host(Self.wildcard, bad), "\(bad)") }
        let any6 = LabHTTPHostRule.serving(Endpoint("::", port: 8470)!, localAddresses: [IPAddress("fd00::20")!, IPAddress("10.0.0.5")!], names: [])
        #expect(host(any6, "[fd00::20]:8470") && host(any6, "[::1]") && !host(any6, "10.0.0.5:8470"))
    }

    @Test func anAddressGivenAsAHostNameIsTaken() throws {
        let rule = LabHTTPHostRule.serving(Endpoint("127.0.0.1", port: 8470)!, localAddresses: [],
                                           names: [try LabHTTPHostRule.extraName("203.0.113.9"), try LabHTTPHostRule.extraName("2001:db8::9")])
        #expect(host(rule, "203.0.113.9:8470") && host(rule, "[2001:db8::9]:8470") && !host(rule, "203.0.113.10"))
    }

    @Test func theOriginMustBeThisServerOverHttp() {
        func origin(_ value: String, stream: Bool = true, changes: Bool = false) -> LabHTTPHostRule.Refusal? {
            Self.v4.refusal(host: "127.0.0.1:8470", origin: value, version: "HTTP/1.1", isEventStream: stream, changesState: changes)
        }
        for good in ["http://127.0.0.1:8470", "http://localhost:8470", "HTTP://LAB.EXAMPLE:8470", "http://localhost.:8470"] {
            #expect(origin(good) == nil, "\(good)")
        }
        for bad in ["http://evil.example:8470", "null", "https://127.0.0.1:8470", "http://127.0.0.1", "http://127.0.0.1:8471",
                    "http://127.0.0.1:8470/", "http://127.0.0.1:8470.evil.example", "", "127.0.0.1:8470", "file://"] {
            #expect(origin(bad) == .foreignOrigin(bad), "\(bad)")
            #expect(origin(bad, stream: false, changes: true) == .foreignOrigin(bad), "\(bad)")
            // A read of another route is not asked (the browser does not let a foreign page read it).
            #expect(origin(bad, stream: false) == nil, "\(bad)")
        }
        // Through a forward the page's origin is the forwarded port, which the request's
        // Host names too; another port is another local page's origin.
        func forwarded(_ value: String) -> LabHTTPHostRule.Refusal? {
            Self.v4.refusal(host: "localhost:9000", origin: value, version: "HTTP/1.1", isEventStream: true, changesState: false)
        }
        #expect(forwarded("http://localhost:9000") == nil && forwarded("http://127.0.0.1:8470") == nil)
        #expect(forwarded("http://localhost:9001") == .foreignOrigin("http://localhost:9001"))
        #expect(forwarded("http://evil.example:9000") == .foreignOrigin("http://evil.example:9000"))
        // The port is 80 when an origin leaves it out.
        let on80 = LabHTTPHostRule.serving(Endpoint("127.0.0.1", port: 80)!, localAddresses: [], names: [])
        #expect(on80.acceptsOrigin("http://localhost") && !on80.acceptsOrigin("http://localhost:8470"))
    }

    @Test func httpHostValuesAreDNSNamesOrAddresses() throws {
        #expect(try LabHTTPHostRule.extraName("Lab.Example.") == "lab.example")
        #expect(try LabHTTPHostRule.extraName("build_box-1") == "build_box-1")
        #expect(try LabHTTPHostRule.extraName("[2001:db8::9]") == "[2001:db8::9]")
        for bad in ["", ".", "-lead.example", "trail-.example", "a..b", "evil.example:8470", "http://x", "a b", "\u{1b}[31m",
                    "é.example", String(repeating: "a", count: 64) + ".example", "999.1.1.1", "fe80::1%eth0", "x/y"] {
            #expect(throws: LabHTTPBindingError.badHostName(bad)) { try LabHTTPHostRule.extraName(bad) }
        }
        #expect(LabHTTPBindingError.badHostName("a b").errorDescription?.contains("--http-host") == true)
    }
}
