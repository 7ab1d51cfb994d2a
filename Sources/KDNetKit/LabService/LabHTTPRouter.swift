import Crypto
import Foundation

/// What each request of the lab service gets: a pure function of the request and the
/// board, so routing, authentication and the documents are tested without sockets.
///
/// With a token, every request needs `Authorization: Bearer TOKEN`. A browser cannot send
/// that header from a typed URL or from `EventSource`, so `/?token=TOKEN` once answers with
/// an HttpOnly, SameSite=Strict cookie (holding a hash of the token, not the token) and a
/// redirect to `/` that drops the token from the address bar; the cookie then stands in
/// for the header.
///
/// Before all of that, token or not, `hosts` decides whether the request names this
/// server (421 when not: DNS rebinding) and whether a browser page of another origin
/// asks for the event stream or a change (403).
public struct LabHTTPRouter: Sendable {
    public let source: any LabStatusSource
    public let token: String?
    public let hosts: LabHTTPHostRule

    public init(source: any LabStatusSource, token: String?, hosts: LabHTTPHostRule) {
        self.source = source; self.token = token; self.hosts = hosts
    }

    public static let cookieName = "kdnetctl_session"

    public func respond(to request: HTTPRequest) -> HTTPResponse {
        let changesState = request.method != "GET" && request.method != "HEAD"
        switch hosts.refusal(host: request.header("host"), origin: request.header("origin"), version: request.version,
                             isEventStream: request.segments == ["events"], changesState: changesState) {
        case .misdirected(let host)?: return Self.misdirected(host)
        case .foreignOrigin(let origin)?: return Self.foreignOrigin(origin)
        case nil: break
        }
        if let token {
            if request.segments.isEmpty, let offered = request.query["token"] {
                guard Self.constantTimeEqual(offered, token) else { return unauthorized() }
                let location = Self.pageLocation(keeping: request.query)
                return HTTPResponse(status: .seeOther, text: "signed in; go to \(location)\n", headers: [
                    ("Location", location),
                    ("Set-Cookie", "\(Self.cookieName)=\(Self.cookieValue(for: token)); Path=/; HttpOnly; SameSite=Strict"),
                ])
            }
            guard isAuthorized(request, token: token) else { return unauthorized() }
        }
        guard request.method == "GET" || request.method == "HEAD" else {
            return .jsonError(.methodNotAllowed, "\(request.method) is not served; only GET and HEAD are", headers: [("Allow", "GET, HEAD")])
        }
        switch request.segments {
        case []:
            let page = LabStatusPage.html(source.snapshot())
            return HTTPResponse(status: .ok, contentType: "text/html; charset=utf-8", body: Array(page.utf8),
                                headers: [("Content-Security-Policy", LabStatusPage.contentSecurityPolicy), ("Referrer-Policy", "no-referrer")])
        case ["events"]:
            var response = HTTPResponse(status: .ok, contentType: "text/event-stream; charset=utf-8",
                                        body: Array("retry: 2000\n\n".utf8) + Self.event(source.snapshot()))
            response.isEventStream = true
            response.streamSeconds = request.query["seconds"].flatMap { Double($0) }.flatMap { $0.isFinite ? max(0.1, $0) : nil }
            return response
        case ["api", "targets"]:
            return HTTPResponse(status: .ok, contentType: "application/json", body: LabTargetsDocument(source.snapshot()).jsonBytes() + [0x0A])
        case let path where path.count == 4 && path[0] == "api" && path[1] == "targets" && path[3] == "log":
            guard let log = source.recentLog(of: path[2]) else {
                return .jsonError(.notFound, "no target is named '\(path[2])'; GET /api/targets lists them")
            }
            return HTTPResponse(status: .ok, text: log)
        case ["metrics"]:
            return HTTPResponse(status: .ok, contentType: "text/plain; version=0.0.4; charset=utf-8", body: Array(LabMetrics.text(source.snapshot()).utf8))
        default:
            return .jsonError(.notFound, "nothing is served at /\(request.segments.joined(separator: "/")); try /, /api/targets or /metrics")
        }
    }

    /// `/` and the page's other parameters (`stream_seconds`), without the token.
    static func pageLocation(keeping query: [String: String]) -> String {
        let kept = query.filter { $0.key != "token" }.sorted { $0.key < $1.key }.map { name, value in
            [name, value].map { $0.addingPercentEncoding(withAllowedCharacters: Self.unreserved) ?? "" }.joined(separator: "=")
        }
        return kept.isEmpty ? "/" : "/?" + kept.joined(separator: "&")
    }

    /// RFC 3986's unreserved characters: all a query part may hold unescaped.
    static let unreserved = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~")

    /// One server-sent event carrying the fleet document; each JSON line is a `data:` line
    /// (JSON escapes newlines inside strings, so a hostile name cannot end the event).
    public static func event(_ snapshot: LabServiceSnapshot) -> [UInt8] {
        let lines = LabTargetsDocument(snapshot).json().split(separator: "\n", omittingEmptySubsequences: false)
        return Array(("event: snapshot\n" + lines.map { "data: \($0)\n" }.joined() + "\n").utf8)
    }

    static func misdirected(_ host: String?) -> HTTPResponse {
        guard let host else {
            return HTTPResponse(status: .misdirected, text: "this kdnetctl serve answers only requests with a Host header naming it\n")
        }
        let name = LabHTTPHostRule.split(host).flatMap { try? LabHTTPHostRule.extraName(String($0.host)) } ?? "NAME"
        return HTTPResponse(status: .misdirected,
                            text: "this kdnetctl serve does not go by the name \(TerminalText.quoted(host)) (a defence against DNS rebinding); if that name is this host, start serve with --http-host \(name)\n")
    }

    static func foreignOrigin(_ origin: String) -> HTTPResponse {
        HTTPResponse(status: .forbidden,
                     text: "a page of another origin (\(TerminalText.quoted(origin))) may not read the event stream or change anything here; open the status page itself\n")
    }

    func unauthorized() -> HTTPResponse {
        HTTPResponse(status: .unauthorized,
                     text: "this kdnetctl serve needs its token: send Authorization: Bearer TOKEN, or open /?token=TOKEN once in a browser\n",
                     headers: [("WWW-Authenticate", "Bearer realm=\"kdnetctl\"")])
    }

    func isAuthorized(_ request: HTTPRequest, token: String) -> Bool {
        if let authorization = request.header("authorization") {
            let parts = authorization.split(separator: " ", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "bearer",
               Self.constantTimeEqual(parts[1].trimmingCharacters(in: .whitespaces), token) { return true }
        }
        let expected = Self.cookieValue(for: token)
        for cookie in (request.header("cookie") ?? "").split(whereSeparator: { $0 == ";" || $0 == "," }) {
            let pair = cookie.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1)
            if pair.count == 2, pair[0] == Self.cookieName, Self.constantTimeEqual(String(pair[1]), expected) { return true }
        }
        return false
    }

    /// The cookie proves the token was given without being the token (which may be used
    /// elsewhere too): a hash of it, hex.
    static func cookieValue(for token: String) -> String {
        SHA256.hash(data: Data(("kdnetctl-serve-cookie\u{0}" + token).utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// Takes as long for a wrong first byte as for a wrong last one, so the response time
    /// does not leak how much of a guess was right.
    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        var difference = UInt8(x.count == y.count ? 0 : 1)
        for i in 0..<max(x.count, y.count) {
            difference |= (i < x.count ? x[i] : 0) ^ (i < y.count ? y[i] : 0)
        }
        return difference == 0
    }
}
