import Foundation

/// One HTTP/1.x request head as the lab service's server reads it: the request line and
/// headers only (it serves GET and HEAD, and closes after each response, so a body is
/// never read).
public struct HTTPRequest: Sendable, Equatable {
    public var method: String
    /// The path's segments, each percent-decoded on its own: `/api/targets/a%2Fb/log` is
    /// `["api", "targets", "a/b", "log"]`, and `/` is `[]`.
    public var segments: [String]
    /// The query's parameters, decoded (`+` is a space); the first of a repeated name wins.
    public var query: [String: String]
    /// Header names lowercased; a repeated header's values joined with `, `.
    public var headers: [String: String]
    /// `HTTP/1.1` or `HTTP/1.0`.
    public var version: String

    public init(method: String, segments: [String], query: [String: String] = [:], headers: [String: String] = [:], version: String = "HTTP/1.1") {
        self.method = method; self.segments = segments; self.query = query; self.headers = headers; self.version = version
    }

    public func header(_ name: String) -> String? { headers[name.lowercased()] }

    /// What the bytes read so far amount to.
    public enum Outcome: Sendable, Equatable {
        /// No blank line yet, and still within the limit: read more.
        case incomplete
        /// A whole head of `length` bytes (the blank line included).
        case complete(HTTPRequest, length: Int)
        /// Answer with `status` and close; `reason` is the response body.
        case refused(HTTPStatus, reason: String)
    }

    /// The most a request line and headers may take: a slow or hostile client cannot make
    /// the server hold more than this per connection.
    public static let maxHeadBytes = 8192
    public static let maxHeaderCount = 64

    /// Reads a request head from the start of `bytes`. Lines end in CRLF (a bare LF is
    /// accepted too, as RFC 9112 allows).
    public static func parse(_ bytes: [UInt8], maxHeadBytes: Int = maxHeadBytes) -> Outcome {
        var lines: [ArraySlice<UInt8>] = []
        var lineStart = 0
        var headLength: Int?
        var i = 0
        while i < bytes.count && i < maxHeadBytes {
            if bytes[i] == UInt8(ascii: "\n") {
                var line = bytes[lineStart..<i]
                if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
                if line.isEmpty {
                    // Blank lines before the request line are tolerated (RFC 9112 2.2).
                    if !lines.isEmpty { headLength = i + 1; break }
                } else {
                    lines.append(line)
                }
                lineStart = i + 1
            }
            i += 1
        }
        guard let headLength else {
            if bytes.count >= maxHeadBytes {
                return .refused(.headersTooLarge, reason: "the request line and headers exceed \(maxHeadBytes) bytes")
            }
            return .incomplete
        }
        guard lines.count - 1 <= maxHeaderCount else {
            return .refused(.headersTooLarge, reason: "more than \(maxHeaderCount) headers")
        }
        do throws(Refusal) {
            var request = try requestLine(lines[0])
            request.headers = try headers(lines.dropFirst())
            return .complete(request, length: headLength)
        } catch {
            return .refused(error.status, reason: error.reason)
        }
    }

    struct Refusal: Error {
        var status: HTTPStatus
        var reason: String
        static func bad(_ reason: String) -> Refusal { Refusal(status: .badRequest, reason: reason) }
    }

    /// `GET /path?query HTTP/1.1`: single spaces, an origin-form target.
    static func requestLine(_ line: ArraySlice<UInt8>) throws(Refusal) -> HTTPRequest {
        let parts = line.split(separator: UInt8(ascii: " "), omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[0].isEmpty, parts[0].allSatisfy(isTokenByte) else {
            throw .bad("the request line is not METHOD TARGET HTTP/1.1")
        }
        let version = String(decoding: parts[2], as: UTF8.self)
        guard version.hasPrefix("HTTP/"), version.count == 8 else { throw .bad("the request line is not METHOD TARGET HTTP/1.1") }
        guard version == "HTTP/1.1" || version == "HTTP/1.0" else {
            throw Refusal(status: .versionNotSupported, reason: "\(version) is not served; use HTTP/1.1")
        }
        let target = parts[1]
        guard target.first == UInt8(ascii: "/"), target.allSatisfy({ $0 > 0x20 && $0 < 0x7f }) else {
            throw .bad("the request target must be a path starting with /")
        }
        let questionMark = target.firstIndex(of: UInt8(ascii: "?"))
        let rawPath = target[target.startIndex..<(questionMark ?? target.endIndex)]
        let rawQuery = questionMark.map { target[($0 + 1)...] } ?? []
        return HTTPRequest(method: String(decoding: parts[0], as: UTF8.self), segments: try segments(rawPath),
                           query: try query(rawQuery), version: version)
    }

    static func segments(_ rawPath: ArraySlice<UInt8>) throws(Refusal) -> [String] {
        if rawPath.count == 1 { return [] }
        var out: [String] = []
        for raw in rawPath.dropFirst().split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false) {
            guard let segment = percentDecoded(raw, plusIsSpace: false) else {
                throw .bad("the path has a malformed %-escape or is not UTF-8")
            }
            // Nothing here is a file, but a path that climbs is never a mistake worth serving.
            guard segment != ".." else { throw .bad("the path contains '..'") }
            if segment == "." { continue }
            out.append(segment)
        }
        return out
    }

    static func query(_ raw: ArraySlice<UInt8>) throws(Refusal) -> [String: String] {
        var out: [String: String] = [:]
        for pair in raw.split(separator: UInt8(ascii: "&")) {
            let equals = pair.firstIndex(of: UInt8(ascii: "="))
            let name = pair[pair.startIndex..<(equals ?? pair.endIndex)]
            let value = equals.map { pair[($0 + 1)...] } ?? []
            guard let n = percentDecoded(name, plusIsSpace: true), let v = percentDecoded(value, plusIsSpace: true) else {
                throw .bad("the query has a malformed %-escape or is not UTF-8")
            }
            if out[n] == nil { out[n] = v }
        }
        return out
    }

    static func headers(_ lines: ArraySlice<ArraySlice<UInt8>>) throws(Refusal) -> [String: String] {
        var out: [String: String] = [:]
        for line in lines {
            // Obsolete line folding (RFC 9112 5.2) and a space before the colon are refused:
            // both have been used to smuggle headers past one parser and into another.
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")), colon > line.startIndex,
                  line[line.startIndex..<colon].allSatisfy(isTokenByte) else {
                throw .bad("a header line is not NAME: VALUE")
            }
            let valueBytes = line[(colon + 1)...]
            guard valueBytes.allSatisfy({ $0 == 0x09 || ($0 >= 0x20 && $0 != 0x7f) }) else {
                throw .bad("a header value holds control characters")
            }
            let name = String(decoding: line[line.startIndex..<colon], as: UTF8.self).lowercased()
            let value = String(decoding: valueBytes, as: UTF8.self).trimmingCharacters(in: CharacterSet(charactersIn: " \t"))
            out[name] = out[name].map { "\($0), \(value)" } ?? value
        }
        return out
    }

    /// RFC 9110 `tchar`.
    static func isTokenByte(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"): return true
        default: return Array("!#$%&'*+-.^_`|~".utf8).contains(b)
        }
    }

    /// Nil for a broken `%` escape, invalid UTF-8 or a decoded control character.
    static func percentDecoded(_ raw: ArraySlice<UInt8>, plusIsSpace: Bool) -> String? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(raw.count)
        var i = raw.startIndex
        while i < raw.endIndex {
            let b = raw[i]
            if b == UInt8(ascii: "%") {
                guard i + 2 < raw.endIndex,
                      let hi = hexValue(raw[i + 1]), let lo = hexValue(raw[i + 2]) else { return nil }
                bytes.append(hi << 4 | lo)
                i += 3
            } else {
                bytes.append(plusIsSpace && b == UInt8(ascii: "+") ? 0x20 : b)
                i += 1
            }
        }
        guard let text = String(validating: bytes, as: UTF8.self),
              !text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f }) else { return nil }
        return text
    }

    static func hexValue(_ b: UInt8) -> UInt8? {
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return b - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return b - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return b - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}

/// The statuses the lab service answers with.
public enum HTTPStatus: Int, Sendable, Equatable {
    case ok = 200
    case seeOther = 303
    case badRequest = 400
    case unauthorized = 401
    case forbidden = 403
    case notFound = 404
    case methodNotAllowed = 405
    case requestTimeout = 408
    case misdirected = 421
    case headersTooLarge = 431
    case serviceUnavailable = 503
    case versionNotSupported = 505

    public var reason: String {
        switch self {
        case .ok: return "OK"
        case .seeOther: return "See Other"
        case .badRequest: return "Bad Request"
        case .unauthorized: return "Unauthorized"
        case .forbidden: return "Forbidden"
        case .notFound: return "Not Found"
        case .methodNotAllowed: return "Method Not Allowed"
        case .requestTimeout: return "Request Timeout"
        case .misdirected: return "Misdirected Request"
        case .headersTooLarge: return "Request Header Fields Too Large"
        case .serviceUnavailable: return "Service Unavailable"
        case .versionNotSupported: return "HTTP Version Not Supported"
        }
    }
}
