import Foundation
import Testing

@Suite struct DoctorCommandTests {
    @Test func jsonReportHasChecksAndSummaryAndExitFollowsFailures() throws {
        let (bad, doc) = try KdnetctlBinary.json(["doctor", "--port", "80", "--key", "1.2.3.4"])
        let checks = doc["checks"] as? [[String: Any]] ?? []
        let port = checks.first { $0["name"] as? String == "port" }
        // The port policy: doctor warns outside 49152-65535 (it may test another port on purpose).
        #expect(port?["verdict"] as? String == "warn")
        #expect((port?["fix"] as? String)?.contains("bcdedit /dbgsettings net") == true)
        #expect(checks.first { $0["name"] as? String == "key" }?["verdict"] as? String == "warn")
        let summary = doc["summary"] as? [String: Int] ?? [:]
        #expect(summary["fail"] == checks.filter { $0["verdict"] as? String == "fail" }.count)
        #expect(summary["pass", default: 0] + summary["warn", default: 0] + summary["fail", default: 0] == checks.count)
        #expect(bad.status == (summary["fail", default: 0] > 0 ? 1 : 0))
    }

    @Test func textTableAndSettingsFromStandardInput() throws {
        let pasted = "key 1.2.3.4\r\ndebugtype NET\r\nport 50001\r\nThe operation completed successfully.\r\n"
        let r = try KdnetctlBinary.run(["doctor", "--port", "50000", "--dbgsettings", "-", "--host-os", "windows"], stdin: pasted)
        #expect(r.status == 1, "port 50001 on the target, 50000 here")
        #expect(r.stdout.contains("fail  target-port"))
        #expect(r.stdout.contains("fix: on the target, in an elevated prompt: `bcdedit /dbgsettings net hostip:<this host's address> port:50000`"))
        #expect(r.stdout.contains("localport=50000 profile=domain,private,public"))
        #expect(r.stdout.split(separator: "\n").last?.contains(try Regex("^[0-9]+ pass, [0-9]+ warn, [1-9][0-9]* fail$")) == true)
        #expect(!r.stdout.contains("\u{1B}["), "no colour with NO_COLOR")
    }

    @Test(arguments: [["doctor", "--port", "50000", "--listen", "3"], ["doctor", "--key", "1.2"],
                      ["doctor", "--host-ip", "fe80::1%eth0"], ["doctor", "--port", "70000"]])
    func usageProblemsExit64WithOneLine(arguments: [String]) throws {
        let r = try KdnetctlBinary.run(arguments)
        #expect(r.status == 64, "\(arguments): \(r.stderr)")
        #expect(r.stderr.split(separator: "\n").count == 1)
        #expect(r.stdout.isEmpty)
    }
}
