import Foundation
import Testing

/// `serve`'s option rules, refused before anything is read or bound (64, one line).
@Suite struct ServeCommandTests {
    func refusal(_ arguments: [String]) throws -> String {
        let r = try KdnetctlBinary.run(["serve", "--config", "/nonexistent/listener.json"] + arguments)
        #expect(r.status == 64, "\(arguments): \(r.stderr)")
        let lines = r.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(r.stderr)")
        return String(lines.first ?? "")
    }

    @Test(arguments: [["--http", "127.0.0.1:8470"], ["--http-host", "lab.example"], ["--http-token", "0123456789abcdef"],
                      ["--http-token-file", "/nonexistent/token"]])
    func theStatusPagesOptionsAndNoHTTPExcludeEachOther(_ option: [String]) throws {
        let line = try refusal(["--no-http"] + option)
        #expect(line.contains("--no-http turns the status page off, but \(option[0]) configures it"))
    }

    @Test func aTokenIsGivenOnceAndLongEnough() throws {
        #expect(try refusal(["--http-token", "0123456789abcdef", "--http-token-file", "/nonexistent/token"]).contains("give one"))
        let short = try refusal(["--http-token", "abc"])
        #expect(short.contains("--http-token: the token has 3 characters, fewer than 16") && short.contains("openssl rand -hex 16"))
        // A token file answers the need for a token on a reachable address; its contents are read later (1).
        let r = try KdnetctlBinary.run(["serve", "--config", "/nonexistent/listener.json", "--http", "0.0.0.0:8470", "--http-token-file", "/nonexistent/token"])
        #expect(r.status == 1 && r.stderr.contains("cannot read the token file /nonexistent/token"), "\(r.stderr)")
    }

    @Test(arguments: ["evil.example:80", "a b", "-lead.example", "http://lab", "é.example"])
    func anHTTPHostMustBeANameOrAnAddress(_ value: String) throws {
        #expect(try refusal(["--http-host=\(value)"]).contains("--http-host: "))
    }
}
