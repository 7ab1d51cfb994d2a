import Foundation
import Testing
@testable import KDNetKit

/// The hand-written record JSON must be the document `JSONOutput` makes of the record.
@Suite struct RecordJSONTests {
    func same(_ record: ObservedDatagram) throws -> Bool {
        var fast: [UInt8] = []
        RecordJSONWriter().append(record, to: &fast)
        let a = try JSONSerialization.jsonObject(with: Data(fast)) as? NSDictionary
        let b = try JSONSerialization.jsonObject(with: JSONOutput.data(record)) as? NSDictionary
        return a != nil && a == b
    }

    @Test func everyWindbgRecordMatchesTheEncoder() throws {
        var records: [ObservedDatagram] = []
        _ = try CaptureInspector.inspect(file: Vectors.windbgCapture.path,
                                         keys: [ObserverKey(key: try DebugKey(parsing: "8.8.8.8"), label: "k")]) { records.append($0) }
        #expect(records.count == 955)
        for r in records { #expect(try same(r), "record \(r.index)") }
        #expect(records.contains { $0.kernelVersion != nil } && records.contains { $0.text?.contains("\n") == true })
    }

    @Test func escapesAndOptionalFieldsMatch() throws {
        var r = ObservedDatagram(index: 3, time: 1.25, source: UDPEndpoint("fd00::1", port: 5), destination: nil,
                                 label: "a \"quoted\" \\ name", length: 9, status: .malformed)
        r.text = "tab\there\u{1}\u{7f} é ✓ /slash\r\n"
        r.events = [.gap(3), .reboot]
        r.problem = "bad"
        #expect(try same(r))
        #expect(try same(ObservedDatagram(index: 0, time: nil, source: nil, destination: nil, length: 0, status: .notKDNet)))
    }

    /// DEL, C1 controls and bidi formatting reach no terminal through --json either: both
    /// writers escape them as \uXXXX, so the document still decodes to the raw text.
    @Test func terminalActingScalarsAreEscapedAlike() throws {
        let hostile = "a\u{7F}\u{85}\u{9B}2J\u{202E}evil\u{2066}x\u{2069}\u{200E}\u{200F}\u{061C} é ✓ שלום \u{202F}"
        var r = ObservedDatagram(index: 1, time: nil, source: nil, destination: nil, label: hostile, length: 1, status: .notKDNet)
        r.text = hostile
        #expect(try same(r))
        var fast: [UInt8] = []
        RecordJSONWriter().append(r, to: &fast)
        for out in [String(decoding: fast, as: UTF8.self), try JSONOutput.string(r)] {
            #expect(!out.unicodeScalars.contains { TerminalText.needsEscape($0, .multiLine) }, "\(out)")
            #expect(out.contains(#""a\u007f\u0085\u009b2J\u202eevil\u2066x\u2069\u200e\u200f\u061c é ✓ שלום \#u{202F}""#), "\(out)")
        }
        let decoded = try JSONSerialization.jsonObject(with: Data(fast)) as? [String: Any]
        #expect(decoded?["text"] as? String == hostile)
    }

    /// Numbers at their limits, every address edge, a version with zeros and all bits,
    /// and strings where every byte needs escaping (the writer's bound assumes 6 bytes each).
    @Test(arguments: [0, 1, 2])
    func limitsMatchTheEncoder(variant: Int) throws {
        let v4 = [UDPEndpoint("0.0.0.0", port: 0)!, UDPEndpoint("255.255.255.255", port: 65535)!, UDPEndpoint("10.9.100.1", port: 50000)!]
        var r = ObservedDatagram(index: [0, 9, Int.max][variant], time: [0, 1e-7, 1_700_000_000.000_01][variant],
                                 source: v4[variant], destination: variant == 1 ? UDPEndpoint("::", port: 1) : v4[2 - variant],
                                 label: String(repeating: "\u{1}\"\\", count: 300 * variant), length: [0, 10, Int.max][variant],
                                 status: .authenticated)
        r.sequence = [0, 1, UInt64.max][variant]
        r.session = [0, 10, Int.max][variant]
        r.keyIndex = [0, 99, 1000][variant]
        r.protocolVersion = [0, 6, 255][variant]
        r.packetID = [0, 0xA, UInt32.max][variant]
        r.kind = .kd(.debugIO)
        r.text = String(repeating: "\u{0}\u{1f}\t", count: 500 * variant)
        r.kernelVersion = KernelVersion(major: [0, 0xF, 0xFFFF][variant], build: [0, 26100, UInt16.max][variant],
                                        protocolVersion: [0, 6, 255][variant], flags: [0, 7, UInt16.max][variant],
                                        kernelBase: [0, 0xfffff80000000000, UInt64.max][variant],
                                        psLoadedModuleList: [0, 1, UInt64.max][variant], debuggerDataList: [0, 0x10, UInt64.max][variant])
        r.events = Array([.reboot, .gap(UInt64.max), .sessionStarted].prefix(variant + 1))
        #expect(try same(r))
        var fast: [UInt8] = []
        RecordJSONWriter().append(r, to: &fast)
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(fast)) as? [String: Any])
        #expect(doc["source"] as? String == v4[variant].description)
    }

    /// Records appended one after another leave the earlier ones as they were.
    @Test func appendingKeepsWhatIsThere() throws {
        var out = Array("[".utf8)
        let a = ObservedDatagram(index: 1, time: 2, source: nil, destination: nil, length: 3, status: .notKDNet)
        RecordJSONWriter().append(a, to: &out)
        out.append(UInt8(ascii: ","))
        RecordJSONWriter().append(a, to: &out)
        out.append(UInt8(ascii: "]"))
        let docs = try #require(try JSONSerialization.jsonObject(with: Data(out)) as? [[String: Any]])
        #expect(docs.count == 2 && docs.allSatisfy { $0["index"] as? Int == 1 && $0["length"] as? Int == 3 })
    }
}
