import Foundation
import Testing
@testable import KDNetKit

/// `serve --http-token-file`: one line, a real token, and a file only its owner may use.
@Suite struct LabHTTPTokenFileTests {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kdnet-token-\(UUID().uuidString)")

    func file(_ text: String, mode: Int = 0o600) throws -> String {
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = dir.appendingPathComponent("token-\(UUID().uuidString)").path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
        return path
    }

    @Test func theTokenIsTheOneNonBlankLine() throws {
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(try LabHTTPTokenFile.read(path: try file("\n  0123456789abcdef0123  \r\n\n")) == "0123456789abcdef0123")
        let two = try file("0123456789abcdef\nfedcba9876543210\n")
        #expect(throws: LabHTTPTokenFileError.lines(two, 2)) { try LabHTTPTokenFile.read(path: two) }
        let short = try file("abc\n")
        #expect(throws: LabHTTPTokenFileError.badToken(short, .shortToken(3))) { try LabHTTPTokenFile.read(path: short) }
        let big = try file(String(repeating: "a", count: LabHTTPTokenFile.limit + 1))
        #expect(throws: LabHTTPTokenFileError.tooLarge(big, LabHTTPTokenFile.limit + 1)) { try LabHTTPTokenFile.read(path: big) }
        #expect(throws: LabHTTPTokenFileError.notAFile(dir.path)) { try LabHTTPTokenFile.read(path: dir.path) }
    }

    /// Any bit for group or others (SecretFile's rule, as for key files): 0640 lets the group read it.
    @Test(arguments: [0o640, 0o660, 0o620, 0o604, 0o644, 0o601, 0o610, 0o777])
    func aFileOthersMayUseIsRefused(_ mode: Int) throws {
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = try file("0123456789abcdef0123\n", mode: mode)
        let expected = SecretFileError(path: path, secret: "the status page's token", mode: mode_t(mode), owner: geteuid(),
                                       ownedByUser: true, ownerName: SecretFile.userName(geteuid()))
        #expect(throws: LabHTTPTokenFileError.exposed(expected)) { try LabHTTPTokenFile.read(path: path) }
        #expect(expected.errorDescription?.contains("chmod 600 \(path)") == true)
    }

    @Test func anOwnerOnlyFileIsTaken() throws {
        defer { try? FileManager.default.removeItem(at: dir) }
        for mode in [0o600, 0o400] {
            #expect(try LabHTTPTokenFile.read(path: try file("0123456789abcdef0123\n", mode: mode)) == "0123456789abcdef0123", "\(mode)")
        }
    }
}
