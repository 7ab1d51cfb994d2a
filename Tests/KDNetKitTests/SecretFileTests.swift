import Foundation
import Testing
@testable import KDNetKit

/// One rule for every file that holds a key: refused when its group or other users have
/// any permission bit; `chmod 600` advised only to the file's owner.
@Suite struct SecretFileTests {
    static let key = "2steg4fzbj2sz.23418vzkd4ko3.1g34ou07z4pev.1sp3yo9yz874p"

    static func folder() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kdnet-secret-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    /// A file holding `text` with exactly `mode` (the umask would narrow it).
    static func file(_ dir: URL, _ name: String, _ text: String, mode: mode_t) throws -> String {
        let path = dir.appendingPathComponent(name).path
        #expect(FileManager.default.createFile(atPath: path, contents: Data(text.utf8)))
        #expect(chmod(path, mode) == 0)
        return path
    }

    @Test func onlyTheOwnerMayHaveAnyBit() {
        for mode: mode_t in [0o600, 0o400, 0o700, 0o200] {
            #expect(SecretFile.problem(.init(mode: S_IFREG | mode, owner: 1000), path: "k", holding: "the key", euid: 1000) == nil, "mode \(String(mode, radix: 8))")
        }
        for mode: mode_t in [0o640, 0o660, 0o604, 0o610, 0o601, 0o620, 0o644, 0o666] {
            #expect(SecretFile.problem(.init(mode: S_IFREG | mode, owner: 1000), path: "k", holding: "the key", euid: 1000) != nil, "mode \(String(mode, radix: 8))")
        }
    }

    @Test func theOwnerIsToldToChmodAndWhoElseHasAccess() throws {
        let message = try #require(SecretFile.problem(.init(mode: 0o640, owner: 1000), path: "my keys/k", holding: "the key", euid: 1000)?.errorDescription)
        #expect(message == "my keys/k holds the key but its mode 0640 gives its group access; run `chmod 600 'my keys/k'` and consider the key exposed")
        let both = try #require(SecretFile.problem(.init(mode: 0o604, owner: 7), path: "k", holding: "the key", euid: 7)?.errorDescription)
        #expect(both.contains("mode 0604 gives every other user access"))
        let exec = try #require(SecretFile.problem(.init(mode: 0o610, owner: 7), path: "k", holding: "the key", euid: 7)?.errorDescription)
        #expect(exec.contains("mode 0610 gives its group access"))
    }

    @Test func aFileOfSomeoneElseGetsNoChmodAdvice() throws {
        let message = try #require(SecretFile.problem(.init(mode: 0o644, owner: 0), path: "/etc/k", holding: "the key", euid: 1000)?.errorDescription)
        #expect(!message.contains("chmod"))
        #expect(message.contains("belongs to root (uid 0), not to you, so it is not yours to fix"))
        #expect(message.contains("copy the key into a file of your own") && message.contains("consider the key exposed"))
    }

    /// Through the key file reader, on real files (the tests run as root: the file is
    /// given to another user for the "not yours" wording).
    @Test func keyFilesFollowTheRule() throws {
        let dir = try Self.folder(); defer { try? FileManager.default.removeItem(at: dir) }
        #expect(try KeyFile.read(path: try Self.file(dir, "ok", Self.key + "\n", mode: 0o600)).text == Self.key)
        for mode: mode_t in [0o640, 0o660, 0o604, 0o610] {
            let path = try Self.file(dir, "k\(String(mode, radix: 8))", Self.key + "\n", mode: mode)
            #expect { try KeyFile.read(path: path) } throws: { error in
                guard case .exposed(let problem) = error as? KeyFileError else { return false }
                return problem.mode == mode && (problem.ownedByUser ? problem.errorDescription!.contains("chmod 600 \(path)") : true)
            }
        }
        let theirs = try Self.file(dir, "theirs", Self.key + "\n", mode: 0o644)
        #expect(chown(theirs, 65534, 65534) == 0)
        #expect { try KeyFile.read(path: theirs) } throws: { error in
            let message = (error as? KeyFileError)?.errorDescription ?? ""
            return geteuid() == 65534 || (!message.contains("chmod") && message.contains("uid 65534") && message.contains("not yours to fix"))
        }
    }

    /// The path-taking API (for a token file): the text when only the owner has access.
    @Test func readTextTakesAPathAndWhatItHolds() throws {
        let dir = try Self.folder(); defer { try? FileManager.default.removeItem(at: dir) }
        let path = try Self.file(dir, "token", "s3cret-token-0123456789\n", mode: 0o600)
        #expect(try SecretFile.readText(path: path, holding: "the token", expecting: "a token file") == "s3cret-token-0123456789\n")
        #expect(chmod(path, 0o620) == 0)
        #expect { try SecretFile.readText(path: path, holding: "the token", expecting: "a token file") } throws: { error in
            (error as? SecretFileError)?.errorDescription == "\(path) holds the token but its mode 0620 gives its group access; run `chmod 600 \(path)` and consider the token exposed"
        }
        let fd = open(path, O_RDONLY)
        defer { close(fd) }
        #expect(throws: SecretFileError.self) { try SecretFile.check(fd: fd, path: path, holding: "the token") }
    }

    /// A file that holds no key is the wrong file: never advice to chmod it (`/etc/passwd`
    /// belongs to root, who runs the tests).
    @Test func aFileWithoutAKeyIsNotAdvisedAChmod() {
        #expect { try KeyFile.read(path: "/etc/passwd") } throws: { error in
            guard case .malformed = error as? KeyFileError else { return false }
            return !((error as? KeyFileError)?.errorDescription ?? "chmod").contains("chmod")
        }
        #expect(throws: KeyFileError.notAFile("/dev/zero")) { try KeyFile.read(path: "/dev/zero") }
    }

    @Test func aListenerConfigOthersCanReadIsRefused() throws {
        let dir = try Self.folder(); defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("listener.json")
        try ListenerConfig(hostIp: nil, targets: [.init(name: "a", port: 50000, key: Self.key)]).write(to: url)
        #expect(try ListenerConfig.load(from: url).targets.count == 1)
        #expect(try ListenerConfig.loadLenient(from: url).config.targets.count == 1)
        #expect(chmod(url.path, 0o644) == 0)
        #expect { try ListenerConfig.load(from: url) } throws: { error in
            (error as? SecretFileError)?.errorDescription?.contains("holds the targets' keys but its mode 0644") == true
        }
        #expect(throws: SecretFileError.self) { try ListenerConfig.loadLenient(from: url) }
    }

    /// The files kdnetctl writes with a key in them are 0600 (set with fchmod, whatever the umask).
    @Test func writtenConfigsAreOwnerOnly() throws {
        let dir = try Self.folder(); defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("listener.json")
        try ListenerConfig(hostIp: nil, targets: [.init(name: "a", port: 50000, key: Self.key)]).write(to: url)
        var info = stat()
        #expect(stat(url.path, &info) == 0 && info.st_mode & 0o7777 == 0o600)
    }
}
