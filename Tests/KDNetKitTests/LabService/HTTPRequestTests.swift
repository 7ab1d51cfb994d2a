import Foundation
import Testing
@testable import KDNetKit

/// The lab service's request parser: a pure function of the bytes read so far.
@Suite struct HTTPRequestTests {
    func parse(_ text: String) -> HTTPRequest.Outcome { HTTPRequest.parse(Array(text.utf8)) }

    func request(_ text: String) throws -> HTTPRequest {
        guard case .complete(let request, _) = parse(text) else { throw ParseFailed(outcome: parse(text)) }
        return request
    }
    struct ParseFailed: Error { var outcome: HTTPRequest.Outcome }

    func refusal(_ text: String) -> HTTPStatus? {
        if case .refused(let status, _) = parse(text) { return status }
        return nil
    }

    @Test func aWholeHeadParsesWithItsLength() throws {
        let text = "GET /api/targets?x=1 HTTP/1.1\r\nHost: 127.0.0.1:8470\r\nAuthorization: Bearer abc\r\n\r\nbody"
        guard case .complete(let r, let length) = parse(text) else { Issue.record("\(parse(text))"); return }
        #expect(length == text.utf8.count - 4)
        #expect(r.method == "GET" && r.segments == ["api", "targets"] && r.query == ["x": "1"] && r.version == "HTTP/1.1")
        #expect(r.header("HOST") == "127.0.0.1:8470" && r.header("authorization") == "Bearer abc")
    }

    @Test func theRootIsNoSegmentsAndBareLFIsAccepted() throws {
        let r = try request("HEAD / HTTP/1.0\n\n")
        #expect(r.method == "HEAD" && r.segments == [] && r.version == "HTTP/1.0")
    }

    @Test(arguments: ["", "GET / HTTP/1.1\r\n", "GET / HTTP/1.1\r\nHost: a\r\n", "GET /api/tar"])
    func aPartialHeadAsksForMore(text: String) throws {
        #expect(parse(text) == .incomplete)
    }

    @Test(arguments: [
        "GET /\r\n\r\n", "GET  / HTTP/1.1\r\n\r\n", "GET / HTTP/1.1 extra\r\n\r\n", "G(T / HTTP/1.1\r\n\r\n",
        "GET http://example.com/ HTTP/1.1\r\n\r\n", "GET * HTTP/1.1\r\n\r\n", "GET / FTP/1.1\r\n\r\n",
        "GET /a b HTTP/1.1\r\n\r\n", "GET / HTTP/1.1\r\nno colon\r\n\r\n", "GET / HTTP/1.1\r\nHost : a\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n", "GET / HTTP/1.1\r\n: empty\r\n\r\n",
    ])
    func malformedHeadsAreBadRequests(text: String) throws {
        #expect(refusal(text) == .badRequest, "\(parse(text))")
    }

    @Test func otherVersionsAreRefusedAsSuch() throws {
        #expect(refusal("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n") == .versionNotSupported)
        #expect(refusal("GET / HTTP/2.0\r\n\r\n") == .versionNotSupported)
        #expect(refusal("GET / HTTP/0.9\r\n\r\n") == .versionNotSupported)
    }

    @Test func anOversizedHeadIsRefusedOnceItPassesTheLimitEvenWithoutItsEnd() throws {
        let longHeader = "GET / HTTP/1.1\r\nX-Filler: " + String(repeating: "a", count: HTTPRequest.maxHeadBytes)
        #expect(refusal(longHeader) == .headersTooLarge)
        #expect(refusal(longHeader + "\r\n\r\n") == .headersTooLarge)
        // Just under the limit is fine.
        let fits = "GET / HTTP/1.1\r\nX-Filler: " + String(repeating: "a", count: HTTPRequest.maxHeadBytes - 40) + "\r\n\r\n"
        #expect(try request(fits).header("x-filler")?.count == HTTPRequest.maxHeadBytes - 40)
        let many = "GET / HTTP/1.1\r\n" + (0...HTTPRequest.maxHeaderCount).map { "X-\($0): 1\r\n" }.joined() + "\r\n"
        #expect(refusal(many) == .headersTooLarge)
    }

    @Test func pathsArePercentDecodedSegmentBySegment() throws {
        #expect(try request("GET /api/targets/lab%2007/log HTTP/1.1\r\n\r\n").segments == ["api", "targets", "lab 07", "log"])
        // An encoded slash stays inside its segment: a name with a slash is still one name.
        #expect(try request("GET /api/targets/a%2Fb/log HTTP/1.1\r\n\r\n").segments == ["api", "targets", "a/b", "log"])
        #expect(try request("GET /api/targets/%C3%A9t%C3%A9/log HTTP/1.1\r\n\r\n").segments == ["api", "targets", "été", "log"])
        #expect(try request("GET /./metrics HTTP/1.1\r\n\r\n").segments == ["metrics"])
        #expect(try request("GET /api/targets/ HTTP/1.1\r\n\r\n").segments == ["api", "targets", ""])
    }

    @Test(arguments: [
        "/..", "/../etc/passwd", "/api/../metrics", "/%2e%2e/x", "/%2E%2E", "/a%", "/a%2", "/a%zz", "/a%00b", "/%ff", "/a%0a",
        "/?token=%", "/?x=%C3",
    ])
    func climbingOrBrokenPathsAreRefused(path: String) throws {
        #expect(refusal("GET \(path) HTTP/1.1\r\n\r\n") == .badRequest)
    }

    @Test func queriesDecodePlusAndKeepTheFirstOfARepeat() throws {
        #expect(try request("GET /?token=a+b%2Bc&token=second&flag HTTP/1.1\r\n\r\n").query == ["token": "a b+c", "flag": ""])
    }

    @Test func repeatedHeadersAreJoinedAndValuesTrimmed() throws {
        let r = try request("GET / HTTP/1.1\r\nCookie: a=1\r\ncookie:\tb=2  \r\n\r\n")
        #expect(r.header("Cookie") == "a=1, b=2")
        #expect(refusal("GET / HTTP/1.1\r\nX: a\u{1}b\r\n\r\n") == .badRequest)
    }
}
