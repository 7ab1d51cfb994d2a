import Foundation
import Testing
@testable import KDNetKit

/// One rule for names: the inventory `plan` reads and every listener.json reader
/// (strict for `listen`/`inspect --config`, lenient for `serve`) refuse and accept alike.
@Suite struct TargetNameTests {
    static let key = ListenerConfigTests.key

    func listenerJSON(_ name: String) throws -> Data {
        try JSONSerialization.data(withJSONObject: ["version": 1, "targets": [["name": name, "port": 50001, "key": Self.key]]])
    }

    @Test(arguments: ["../../etc/passwd", "a/b", "<script>", "", "../x", ".hidden", "lab 01", "lab\u{1b}[31m",
                      String(repeating: "n", count: 65), "CON", "com1.lab", "läb"])
    func everyReaderRefusesTheSameNames(_ name: String) throws {
        #expect(TargetName.problem(name) != nil)
        // The inventory, as CSV and as YAML (YAML quotes the name, so `<` and `/` reach the check).
        let csv = #expect(throws: InventoryError.self) { try Inventory.parseCSV("name,port\n\(name),50001\n", source: "inv.csv") }
        #expect(csv?.problem.contains(name.isEmpty ? "has no name" : "target name '\(name)'") == true, "\(String(describing: csv))")
        let yamlName = try String(decoding: JSONSerialization.data(withJSONObject: name, options: .fragmentsAllowed), as: UTF8.self)
        #expect(throws: InventoryError.self) { try Inventory.parseYAML("targets:\n  - name: \(yamlName)\n", source: "inv.yaml") }

        // listener.json, strict: the file, the quoted name and the rule, in one message.
        let data = try listenerJSON(name)
        let strict = #expect(throws: ListenerConfigError.self) { try ListenerConfig.parse(data, source: "/etc/kdnetctl/listener.json") }
        let message = strict?.errorDescription ?? ""
        #expect(message.hasPrefix("/etc/kdnetctl/listener.json: targets[0]: name \(TerminalText.quoted(name)) "), "\(message)")
        #expect(message.contains(TargetName.rule) || message.contains("reserved device name"), "\(message)")
        // serve's lenient reader refuses the entry with the same message.
        let lenient = try ListenerConfig.parseLenient(data, source: "/etc/kdnetctl/listener.json")
        #expect(lenient.config.targets.isEmpty && lenient.refused == [strict!])
    }

    @Test(arguments: ["lab-01", "a", "WIN11_dc1.example", "COM10", "console", String(repeating: "n", count: 64)])
    func everyReaderAcceptsOrdinaryNames(_ name: String) throws {
        #expect(TargetName.problem(name) == nil)
        #expect(try Inventory.parseCSV("name\n\(name)\n", source: "inv.csv").entries.map(\.name) == [name])
        #expect(try ListenerConfig.parse(try listenerJSON(name), source: "listener.json").targets.map(\.name) == [name])
        // A name that passes is its log file's name as is: DIR/NAME.log, as the README says.
        #expect(TargetLogFile.fileName(for: name) == name + ".log")
    }

    /// The wizard writes a new listener.json through `write(to:)`: it is checked as it will be read.
    @Test func aListenerConfigWithABadNameIsNeverWritten() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kdnet-name-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("listener.json")
        #expect(throws: ListenerConfigError.self) {
            try ListenerConfig(hostIp: nil, targets: [.init(name: "a/b", port: 50001, key: Self.key)]).write(to: url)
        }
        #expect(!FileManager.default.fileExists(atPath: url.path))
    }
}
