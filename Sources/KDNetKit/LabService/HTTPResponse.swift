import Foundation

/// One answer of the lab service. Every response closes its connection afterwards, except
/// an event stream, which stays open and is fed by the server.
public struct HTTPResponse: Sendable {
    public var status: HTTPStatus
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]
    /// `/events`: the head (and `body`, the first event) now, more events as the fleet changes.
    public var isEventStream = false
    /// How long the client asked its event stream to last (`/events?seconds=N`), at most the server's limit.
    public var streamSeconds: Double?

    public init(status: HTTPStatus, contentType: String, body: [UInt8], headers: [(name: String, value: String)] = []) {
        self.status = status
        self.body = body
        self.headers = [("Content-Type", contentType)] + headers
    }

    public init(status: HTTPStatus, text: String, headers: [(name: String, value: String)] = []) {
        self.init(status: status, contentType: "text/plain; charset=utf-8", body: Array(text.utf8), headers: headers)
    }

    /// `{"error": "..."}`, as the commands print their errors under `--json`.
    public static func jsonError(_ status: HTTPStatus, _ message: String, headers: [(name: String, value: String)] = []) -> HTTPResponse {
        let text = (try? JSONOutput.string(["error": message])) ?? "{\"error\": \"internal\"}"
        return HTTPResponse(status: status, contentType: "application/json", body: Array((text + "\n").utf8), headers: headers)
    }

    public func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    /// The bytes on the wire; `headOnly` for HEAD (the length still that of the body).
    public func serialized(headOnly: Bool = false) -> [UInt8] {
        var head = "HTTP/1.1 \(status.rawValue) \(status.reason)\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        // Nothing served may be cached (it is live) or sniffed into another type.
        head += "Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n"
        if isEventStream {
            head += "\r\n"
        } else {
            head += "Content-Length: \(body.count)\r\nConnection: close\r\n\r\n"
        }
        return Array(head.utf8) + (headOnly ? [] : body)
    }
}
