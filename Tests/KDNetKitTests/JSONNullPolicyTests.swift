import Foundation
import Testing
@testable import KDNetKit

/// Every `--json` document keeps all its keys: an absent value is written as null, never
/// left out (`JSONOutput` encodes through `NullKeepingEncoder`).
@Suite struct JSONNullPolicyTests {
    /// The document `JSONOutput` prints for `value`, read back.
    static func object(_ value: some Encodable) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: JSONOutput.data(value)) as? [String: Any])
    }

    /// True when `key` is there and holds null (a missing key is not null).
    static func isNull(_ doc: [String: Any]?, _ key: String) -> Bool {
        doc?[key] is NSNull
    }

    private struct Inner: Encodable { var camelCase: String?; var present = 1 }
    private struct Outer: Encodable {
        var missing: Int?
        var inner: Inner
        var list: [Inner]
        var byName: [String: Inner]
        var absentInner: Inner?
    }

    @Test func synthesizedOptionalsAreNullAtEveryDepthAndDictionaryKeysStayAsTheyAre() throws {
        let doc = try Self.object(Outer(missing: nil, inner: Inner(), list: [Inner()], byName: ["eth0Primary": Inner()], absentInner: nil))
        #expect(Self.isNull(doc, "missing") && Self.isNull(doc, "absent_inner"))
        #expect(Self.isNull(doc["inner"] as? [String: Any], "camel_case"))
        #expect(Self.isNull((doc["list"] as? [[String: Any]])?.first, "camel_case"))
        let byName = doc["by_name"] as? [String: Any]
        // A dictionary's keys are data (interface names, ...), not Swift names: never snake-cased.
        #expect(byName?.keys.sorted() == ["eth0Primary"])
        #expect(Self.isNull(byName?["eth0Primary"] as? [String: Any], "camel_case"))
        #expect((doc["inner"] as? [String: Any])?["present"] as? Int == 1)
    }

    @Test func aTopLevelDictionaryKeepsItsKeys() throws {
        #expect(try JSONOutput.string(["someError": "x"]).contains("\"someError\""))
    }

    @Test func doctorCheckResultWritesFixAndDetailsAsNull() throws {
        let doc = try Self.object(DoctorCheckResult(name: "port", verdict: .pass, cause: "free"))
        #expect(Self.isNull(doc, "fix") && Self.isNull(doc, "details"))
    }

    @Test func nicSurveyAndEntryWriteUnknownsAsNull() throws {
        let s = try NICSurvey.survey(dump: nil, ids: ["1d6a:07b1"], windows: nil, pciIDs: PCIDiscoveryTests.ids)
        let doc = try Self.object(s)
        #expect(Self.isNull(doc, "recommended") && Self.isNull(doc, "bcdedit"))
        let nic = (doc["nics"] as? [[String: Any]])?.first
        #expect(Self.isNull(nic, "pci_address") && Self.isNull(nic, "busparams") && Self.isNull(nic, "class"))
    }

    @Test func hostAdviceAndItsInterfacesWriteUnknownsAsNull() throws {
        let down = HostInterface(name: "eth9", index: 9, mac: nil, mtu: 1500, link: "down", adminUp: true,
                                 isLoopback: false, linkType: nil, addresses: [])
        let doc = try Self.object(HostAdvice(snapshot: HostNetworkSnapshot(interfaces: [down], routes: []), target: nil, includeVirtual: false))
        #expect(Self.isNull(doc, "target") && Self.isNull(doc, "route_to_target") && Self.isNull(doc, "recommended"))
        let interface = (doc["interfaces"] as? [[String: Any]])?.first
        #expect(Self.isNull(interface, "mac") && Self.isNull(interface, "link_type"))
    }

    @Test func vmCheckReportWritesUnknownsAsNullInEveryPart() throws {
        var r = try VMCheckTests.check("macvtap")
        r.hostIp = nil
        r.recommendedNic = nil
        r.vm.osHint = nil
        r.nics[0].virtio = nil
        r.checks[0].fix = nil
        let doc = try Self.object(r)
        #expect(Self.isNull(doc, "host_ip") && Self.isNull(doc, "recommended_nic"))
        #expect(Self.isNull(doc["vm"] as? [String: Any], "os_hint"))
        #expect(Self.isNull((doc["nics"] as? [[String: Any]])?.first, "virtio"))
        #expect(Self.isNull((doc["checks"] as? [[String: Any]])?.first, "fix"))
        var withHost = r
        withHost.hostIp = VMCheckReport.HostIP(address: "192.0.2.1", interface: nil, why: "test")
        #expect(Self.isNull(try Self.object(withHost)["host_ip"] as? [String: Any], "interface"))
    }

    @Test func virtualMachineAndItsNICsWriteUnknownsAsNull() throws {
        let vm = VirtualMachine(name: "w", source: .qemu, machine: "pc", nics: [VMNIC(mode: .user)])
        let doc = try Self.object(vm)
        for key in ["identifier", "os_hint", "windows_hint", "persistent_differs_from_live"] {
            #expect(Self.isNull(doc, key), "\(key)")
        }
        let nic = (doc["nics"] as? [[String: Any]])?.first
        for key in ["mac", "model", "pci_identity", "virtio_transport", "address", "network_name", "backend"] {
            #expect(Self.isNull(nic, key), "\(key)")
        }
    }

    @Test func anInspectRecordWritesAbsentFactsAsNullInBothWriters() throws {
        let record = ObservedDatagram(index: 0, time: nil, source: nil, destination: nil, length: 0, status: .notKDNet)
        var fast: [UInt8] = []
        RecordJSONWriter().append(record, to: &fast)
        let written = try #require(try JSONSerialization.jsonObject(with: Data(fast)) as? [String: Any])
        for doc in [written, try Self.object(record)] {
            for key in ["time", "source", "destination", "label", "protocol_version", "channel", "direction", "sequence",
                        "session", "key", "kind", "packet_id", "api", "text", "version", "problem"] {
                #expect(Self.isNull(doc, key), "\(key)")
            }
            #expect((doc["events"] as? [Any])?.isEmpty == true)
        }
    }
}
