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
}
