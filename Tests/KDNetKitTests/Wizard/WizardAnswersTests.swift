import Foundation
import Testing
@testable import KDNetKit

/// An answers file is read as every text input is, and a bad one is named by its key and line.
@Suite struct WizardAnswersTests {
    static func write(_ bytes: [UInt8], _ name: String = "a.yaml") throws -> (URL, String) {
        let dir = WizardTemp.dir()
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = dir.appendingPathComponent(name).path
        #expect(FileManager.default.createFile(atPath: path, contents: Data(bytes), attributes: [.posixPermissions: 0o600]))
        return (dir, path)
    }

    @Test func latin1IsRefusedWithTheIconvLineNotReplaced() throws {
        let (dir, path) = try Self.write(Array("windows: caf".utf8) + [0xE9, 0x0A])
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect { try WizardAnswers.load(path) } throws: { error in
            (error as? TextInputError)?.problem == .notUTF8(offset: 12, byte: 0xE9)
                && (error as? TextInputError)?.errorDescription?.contains("iconv -f latin1 -t utf-8 \(path)") == true
        }
    }

    @Test func utf16WithABOMIsRead() throws {
        let text = "port: 50005\r\nhost_ip: 192.168.1.10\r\n"
        let (dir, path) = try Self.write([0xFF, 0xFE] + text.utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] })
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(try WizardAnswers.load(path).values == ["port": "50005", "host-ip": "192.168.1.10"])
    }

    @Test func aDuplicateKeyIsNamedWithTheLineItIsRepeatedOn() {
        #expect(throws: WizardAnswersError.duplicate("a.yaml", "port", line: 3)) {
            try WizardAnswers.parse("port: 50001\nfamily: ipv4\nport: 50002\n", source: "a.yaml")
        }
        #expect(throws: WizardAnswersError.sameQuestion("a.yaml", "host-ip", line: 2, first: "host_ip", firstLine: 1)) {
            try WizardAnswers.parse("host_ip: 192.168.1.10\nhost-ip: 192.168.1.11\n", source: "a.yaml")
        }
        let message = WizardAnswersError.duplicate("a.yaml", "port", line: 3).errorDescription ?? ""
        #expect(message == "--answers a.yaml: duplicate key 'port' on line 3; give each answer once")
    }

    @Test func everyBadValueNamesItsKeyAndLine() throws {
        let answers = try WizardAnswers.parse("family: ipv4\nconnect: maybe\n", source: "a.yaml")
        #expect(answers.origins["connect"] == .answersFile(path: "a.yaml", key: "connect", line: 2))
        let refusal = PresetAnswerError(id: "connect", message: "'maybe' is not one of wait, skip", origin: answers.origins["connect"]!)
        #expect(refusal.errorDescription == "--answers a.yaml line 2: connect: 'maybe' is not one of wait, skip")
        #expect(refusal.fromFile)
        #expect(throws: WizardAnswersError.unknownQuestion("a.yaml", "hostip", line: 2)) {
            try WizardAnswers.parse("port: 50001\nhostip: 1.2.3.4\n", source: "a.yaml")
        }
        #expect(throws: WizardAnswersError.notScalar("a.yaml", "port", line: 1)) { try WizardAnswers.parse("port: {a: 1}\n", source: "a.yaml") }
        #expect { try WizardAnswers.parse("port: [50001\n", source: "a.yaml") } throws: { error in
            guard case .malformed(_, let line?, _) = error as? WizardAnswersError else { return false }
            return line >= 1
        }
    }

    /// An answers file that gives the key holds a secret: the key file's rule applies.
    @Test func anAnswersFileWithTheKeyFollowsTheKeyFileRule() throws {
        let (dir, path) = try Self.write(Array("key: \(WizardFlowTests.key.text)\n".utf8))
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(try WizardAnswers.load(path).values["key"] == WizardFlowTests.key.text)
        #expect(chmod(path, 0o644) == 0)
        #expect(throws: SecretFileError.self) { try WizardAnswers.load(path) }
        let (dir2, noKey) = try Self.write(Array("port: 50001\n".utf8))
        defer { try? FileManager.default.removeItem(at: dir2) }
        #expect(chmod(noKey, 0o644) == 0)
        #expect(try WizardAnswers.load(noKey).values["port"] == "50001")
    }
}
