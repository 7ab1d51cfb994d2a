import Testing
@testable import KDNetKit

@Suite struct DebugPortTests {
    @Test(arguments: [49152, 50000, 50039, 50040, 65535])
    func acceptsTheDynamicRange(n: Int) throws {
        #expect(try DebugPort(validating: n).value == UInt16(n))
    }

    @Test(arguments: [0, 80, 5364, 49151, 65536, -1])
    func rejectsOutsideTheDynamicRange(n: Int) {
        #expect(throws: PortError.outOfRange(n)) { try DebugPort(validating: n) }
    }

    @Test func messageNamesTheProblemAndTheFix() {
        #expect(PortError.outOfRange(80).errorDescription == "port 80 is outside 49152-65535; pick one from 50000-50039")
        #expect(throws: PortError.notANumber("abc")) { try DebugPort(parsing: "abc") }
    }

    @Test func warnsOutsideTheRecommendedRange() throws {
        #expect(try DebugPort(validating: 50000).policyWarning == nil)
        #expect(try DebugPort(validating: 50039).policyWarning == nil)
        let w = try #require(try DebugPort(validating: 50040).policyWarning)
        #expect(w.contains("50040") && w.contains("policy"))
        #expect(try DebugPort(validating: 49152).policyWarning != nil)
    }

    @Test func nextIsForTheHypervisor() throws {
        #expect(try DebugPort(validating: 50000).next().value == 50001)
        #expect(throws: PortError.outOfRange(65536)) { try DebugPort(validating: 65535).next() }
    }

    /// The note the warning commands print is the refusing commands' own message.
    @Test func theNoteIsTheOnePolicy() throws {
        #expect(DebugPort.note(for: 80) == PortError.outOfRange(80).errorDescription)
        #expect(DebugPort.note(for: 80) == "port 80 is outside 49152-65535; pick one from 50000-50039")
        #expect(DebugPort.note(for: 70000) == "port 70000 is outside 49152-65535; pick one from 50000-50039")
        #expect(DebugPort.note(for: 50000) == nil && DebugPort.note(for: 50039) == nil)
        #expect(DebugPort.note(for: 60000) == DebugPort.policyWarning(for: 60000))
    }
}

@Suite struct BusParamsTests {
    @Test(arguments: [("0.25.0", 0, 25, 0), ("59.0.0", 59, 0, 0), ("255.31.7", 255, 31, 7)])
    func parsesDecimal(text: String, b: Int, d: Int, f: Int) throws {
        let bp = try BusParams(parsing: text)
        #expect([Int(bp.bus), Int(bp.device), Int(bp.function)] == [b, d, f])
        #expect(bp.convertedFrom == nil && bp.conversionNote == nil)
        #expect(bp.description == text)
    }

    @Test(arguments: [("3b:00.0", "59.0.0"), ("0000:3b:00.0", "59.0.0"), ("00:19.0", "0.25.0"), ("ff:1f.7", "255.31.7")])
    func convertsLspciHex(text: String, decimal: String) throws {
        let bp = try BusParams(parsing: text)
        #expect(bp.description == decimal)
        #expect(bp.convertedFrom == text)
        #expect(bp.conversionNote?.contains("\(text) (lspci, hex) is \(decimal)") == true)
    }

    @Test(arguments: [
        ("256.0.0", BusParamsError.busOutOfRange(256)),
        ("0.32.0", .deviceOutOfRange(32)),
        ("0.0.8", .functionOutOfRange(8)),
        ("00:20.0", .deviceOutOfRange(32)),
        ("0001:3b:00.0", .nonZeroDomain("0001:3b:00.0")),
        ("1.2", .malformed("1.2")),
        ("a.b.c", .malformed("a.b.c")),
        ("+1.2.3", .malformed("+1.2.3")),
        ("3b:00", .malformed("3b:00")),
        ("", .malformed("")),
    ])
    func rejects(text: String, error: BusParamsError) {
        #expect(throws: error) { try BusParams(parsing: text) }
        #expect(error.errorDescription?.isEmpty == false)
    }
}

@Suite struct HostAddressTests {
    @Test func familiesAndElements() throws {
        let v4 = try HostAddress(parsing: "192.168.1.10")
        #expect(v4.family == .ipv4 && v4.family.bcdeditElement == "hostip" && v4.isPrivate)
        let v6 = try HostAddress(parsing: "2001:db8:0:0:ff00:0:42:8329")
        #expect(v6.family == .ipv6 && v6.family.bcdeditElement == "hostipv6" && v6.isDocumentation)
    }

    @Test func classifies() throws {
        #expect(try HostAddress(parsing: "169.254.3.4").isLinkLocal)
        #expect(try HostAddress(parsing: "fe80::1").isLinkLocal)
        #expect(try !HostAddress(parsing: "169.168.1.1").isLinkLocal)
        #expect(try !HostAddress(parsing: "169.168.1.1").isPrivate)
        #expect(try HostAddress(parsing: "127.0.0.1").unusableReason != nil)
        #expect(try HostAddress(parsing: "::1").unusableReason != nil)
        #expect(try HostAddress(parsing: "0.0.0.0").unusableReason != nil)
        #expect(try HostAddress(parsing: "255.255.255.255").unusableReason != nil)
        #expect(try HostAddress(parsing: "10.1.2.3").unusableReason == nil)
    }

    @Test func rejectsWhatBcdeditCannotTake() {
        #expect(throws: HostAddressError.containsSpaces("2001:db8:: 1")) { try HostAddress(parsing: "2001:db8:: 1") }
        #expect(throws: HostAddressError.scoped("fe80::1%eth0")) { try HostAddress(parsing: "fe80::1%eth0") }
        #expect(throws: HostAddressError.malformed("1.2.3")) { try HostAddress(parsing: "1.2.3") }
        #expect(throws: HostAddressError.malformed("host.lab")) { try HostAddress(parsing: "host.lab") }
    }
}
