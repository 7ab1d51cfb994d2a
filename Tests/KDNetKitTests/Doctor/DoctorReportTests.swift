import Foundation
import Testing
@testable import KDNetKit

@Suite struct DoctorReportTests {
    @Test func summaryCountsEachVerdictAndAnyFailFails() {
        let checks = [DoctorCheckResult(name: "a", verdict: .pass, cause: "ok"),
                      DoctorCheckResult(name: "b", verdict: .warn, cause: "hm", fix: "look"),
                      DoctorCheckResult(name: "c", verdict: .warn, cause: "hm"),
                      DoctorCheckResult(name: "d", verdict: .fail, cause: "no", fix: "do")]
        let r = DoctorReport(checks: checks)
        #expect((r.summary.pass, r.summary.warn, r.summary.fail) == (1, 2, 1))
        #expect(r.failed && r.overall == .fail)
        let fine = DoctorReport(checks: Array(checks.prefix(3)))
        #expect(!fine.failed && fine.overall == .warn)
        #expect(DoctorReport(checks: []).overall == .pass)
    }

    @Test func jsonHasFixAndDetailsAlwaysNullWhenAbsent() throws {
        let r = DoctorReport(checks: [DoctorCheckResult(name: "port", verdict: .pass, cause: "ok"),
                                      DoctorCheckResult(name: "firewall", verdict: .fail, cause: "dropped", fix: "open it",
                                                        details: ["deciding rule: udp dport 50000 drop"]),
                                      DoctorCheckResult(name: "x", verdict: .warn, cause: "c", details: [])])
        let object = try JSONSerialization.jsonObject(with: Data(try JSONOutput.string(r).utf8)) as! [String: Any]
        let checks = object["checks"] as! [[String: Any]]
        #expect(Set(checks[0].keys) == ["name", "verdict", "cause", "fix", "details"])
        #expect(checks[0]["fix"] is NSNull)
        #expect(checks[1]["details"] as? [String] == ["deciding rule: udp dport 50000 drop"])
        #expect(checks[2]["details"] is NSNull, "empty details are null")
        #expect(object["summary"] as? [String: Int] == ["pass": 1, "warn": 1, "fail": 1])
        let back = try JSONOutput.decoder().decode(DoctorReport.self, from: Data(try JSONOutput.string(r).utf8))
        #expect(back == r)
    }

    @Test func requestNeedsSomethingAndListeningNeedsPortAndKey() throws {
        #expect(throws: DoctorRequestError.nothingToCheck) { try DoctorRequest() }
        #expect(throws: DoctorRequestError.badPort(0)) { try DoctorRequest(port: 0) }
        #expect(throws: DoctorRequestError.badPort(70000)) { try DoctorRequest(port: 70000) }
        let key = try DebugKey(parsing: "1.1.1.1")
        #expect(throws: DoctorRequestError.listenNeeds("the key (--key, --key-file or $KDNETCTL_KEY)", "the key the host debugger uses")) {
            try DoctorRequest(port: 50000, listenSeconds: 5)
        }
        #expect(throws: DoctorRequestError.listenNeeds("--port", "the port the target sends to")) {
            try DoctorRequest(key: key, listenSeconds: 5)
        }
        #expect(throws: DoctorRequestError.badListenSeconds(0)) { try DoctorRequest(port: 50000, key: key, listenSeconds: 0) }
        #expect(throws: HostAddressError.malformed("10.0.0.300")) { try HostAddress(parsing: "10.0.0.300") }
        #expect(throws: IPAddressError.malformed("nope")) { try IPAddress.parse("nope") }
        // Port 80 is a real port: the port check judges it, the request takes it.
        #expect(try DoctorRequest(port: 80).port == 80)
    }

    @Test func runsOnlyTheChecksItsInputsAllow() throws {
        func names(_ r: DoctorRequest) -> [String] { Doctor.run(r, environment: FakeDoctorEnvironment()).checks.map(\.name) }
        #expect(names(try DoctorRequest(port: 50000)) == ["port", "port-free", "firewall"])
        #expect(names(try DoctorRequest(target: IPAddress("10.77.0.2"))) == ["route", "target-ping"])
        #expect(names(try DoctorRequest(hostIP: HostAddress(parsing: "10.77.0.1"))) == ["host-ip"])
        #expect(names(try DoctorRequest(key: DebugKey(parsing: "1.2.3.4"))) == ["key"])
        #expect(names(try DoctorRequest(dbgSettings: DbgSettings(parsing: "debugtype NET"))) ==
                ["target-settings", "target-port", "target-hostip", "target-key", "target-busparams"])
        #expect(names(try DoctorRequest(port: 50000, key: DebugKey(parsing: "1.2.3.4"), listenSeconds: 3)).last == "listen")
    }

    @Test func reportsProgressForEachCheckAndEachPing() throws {
        var activities: [String] = []
        var pings = 0
        let r = Doctor.run(try DoctorRequest(port: 50000, target: IPAddress("10.77.0.2")), environment: FakeDoctorEnvironment()) {
            switch $0 {
            case .checking(let a): activities.append(a)
            case .pinged: pings += 1
            case .listening: break
            }
        }
        #expect(activities.count == 5 && activities.contains("pinging 10.77.0.2"))
        #expect(pings == 6, "3 sent and 3 answered")
        #expect(r.summary.fail == 0)
    }
}
