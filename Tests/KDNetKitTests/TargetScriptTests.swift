import Foundation
import Testing
@testable import KDNetKit
import KDNetTestSupport

@Suite struct TargetScriptTests {
    func setup(reboot: Bool = false, busparams: String? = "0.25.0") throws -> TargetSetup {
        var r = TargetSetupRequest(port: try DebugPort(validating: 50000), key: .given(TargetSetupTests.key))
        r.hostAddress = try HostAddress(parsing: "192.168.1.10")
        r.busParams = try busparams.map { try BusParams(parsing: $0) }
        r.reboot = reboot
        return try TargetSetup(r)
    }

    @Test func cmdStopsUnlessElevatedAndAtTheFirstFailure() throws {
        let s = try setup()
        let script = TargetScript.render(s, as: .cmd)
        let lines = script.components(separatedBy: "\r\n")
        #expect(!script.replacingOccurrences(of: "\r\n", with: "").contains("\n"), "batch files are CRLF")
        let elevated = try #require(lines.firstIndex(of: "net session >nul 2>&1"))
        #expect(lines[elevated + 1] == "if errorlevel 1 goto :not_elevated")
        for step in s.steps {
            let i = try #require(lines.firstIndex(of: step.cmdLine))
            #expect(i > elevated)
            #expect(lines[i + 1] == "if errorlevel 1 goto :failed")
        }
        #expect(lines.contains(":failed") && lines.contains(":not_elevated"))
        #expect(script.contains("Confirm-SecureBootUEFI"))
        #expect(script.contains("manage-bde -status"))
        #expect(script.contains("manage-bde -protectors -disable"))
        #expect(script.contains("echo KDNET debugging is set up. Key: \(TargetSetupTests.key.text)"))
        #expect(script.contains("echo   windbg -k net:port=50000,key=\(TargetSetupTests.key.text)"))
        #expect(!script.contains("\r\nshutdown /r /t 0"))
        #expect(TargetScript.render(try setup(reboot: true), as: .cmd).contains("\r\nshutdown /r /t 0\r\n"))
    }

    @Test func ps1QuotesBracesAndStopsOnFailure() throws {
        let script = TargetScript.render(try setup(), as: .ps1)
        #expect(script.contains("Invoke-Bcdedit /set '{dbgsettings}' busparams 0.25.0"))
        #expect(!script.contains(" {dbgsettings}"))
        #expect(script.contains("IsInRole([Security.Principal.WindowsBuiltInRole]::Administrator)"))
        #expect(script.contains("if ($LASTEXITCODE -ne 0)"))
        #expect(script.contains("Suspend-BitLocker -MountPoint"))
        #expect(script.contains("Confirm-SecureBootUEFI"))
        #expect(!script.contains("Restart-Computer"))
        #expect(TargetScript.render(try setup(reboot: true), as: .ps1).contains("\nRestart-Computer -Force\n"))
        // Every bcdedit goes through the checking function.
        let bare = script.split(separator: "\n").filter { $0.hasPrefix("bcdedit") }
        #expect(bare.isEmpty)
    }

    @Test func cmdEchoEscapesOperatorsOutsideQuotes() {
        #expect(TargetScript.cmdEcho("a (b) <c> & d | e ^ 5%") == "a ^(b^) ^<c^> ^& d ^| e ^^ 5%%")
        #expect(TargetScript.cmdEcho("name=\"x (y)\" z") == "name=\"x (y)\" z")
        #expect(TargetScript.psQuote("target's") == "'target''s'")
    }

    @Test func matchesTheGoldenScripts() throws {
        // The same case as `ipv6-target` in Fixtures/golden/cases.txt.
        var r = TargetSetupRequest(port: try DebugPort(validating: 50010), key: .given(TargetSetupTests.key))
        r.hostAddress = try HostAddress(parsing: "fd00::10")
        r.targetAddress = "fd00::20"
        r.reboot = true
        let s = try TargetSetup(r)
        #expect(throws: Never.self) { try Golden.check(TargetScript.render(s, as: .cmd), against: "ipv6-target.cmd") }
        #expect(throws: Never.self) { try Golden.check(TargetScript.render(s, as: .ps1), against: "ipv6-target.ps1") }
        let json = try JSONOutput.string(s) + "\n"
        #expect(throws: Never.self) { try Golden.check(json, against: "ipv6-target.json") }
    }
}
