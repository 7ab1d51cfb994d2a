import Foundation
import Glibc
@testable import KDNetKit

/// A blocking TCP client for the server tests: every read bounded by a receive timeout,
/// so a test that waits for the server cannot hang.
final class RawHTTPClient {
    let fd: Int32
    private(set) var received: [UInt8] = []

    init(port: UInt16, timeout: Double = 5) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var tv = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - timeout.rounded(.down)) * 1e6))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        let rc = Endpoint("127.0.0.1", port: port)!.withSockAddr { connect(fd, $0, $1) }
        guard rc == 0 else { close(fd); throw ClientError.connect(String(cString: strerror(errno))) }
    }

    deinit { close(fd) }

    enum ClientError: Error { case connect(String), timedOut(String) }

    func send(_ text: String) {
        _ = Array(text.utf8).withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    /// Reads once; false at the end of the stream or on the timeout.
    @discardableResult
    func readSome() throws -> Bool {
        var buffer = [UInt8](repeating: 0, count: 65536)
        let n = recv(fd, &buffer, buffer.count, 0)
        if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) { throw ClientError.timedOut(text) }
        guard n > 0 else { return false }
        received += buffer[0..<n]
        return true
    }

    /// Reads until the server closes (every response but a stream ends so).
    func readToEnd() throws -> String {
        while try readSome() {}
        return text
    }

    /// Reads until the text so far holds `needle`.
    func read(until needle: String) throws -> String {
        while !text.contains(needle) {
            guard try readSome() else { throw ClientError.timedOut("closed before '\(needle)': \(text)") }
        }
        return text
    }

    var text: String { String(decoding: received, as: UTF8.self) }

    /// One request, the whole response: status, lowercased headers, body.
    static func get(_ path: String, port: UInt16, headers: [String: String] = [:], method: String = "GET") throws -> (status: Int, headers: [String: String], body: String) {
        let client = try RawHTTPClient(port: port)
        let host = headers.keys.contains { $0.lowercased() == "host" } ? "" : "Host: 127.0.0.1\r\n"
        client.send("\(method) \(path) HTTP/1.1\r\n\(host)" + headers.map { "\($0.key): \($0.value)\r\n" }.joined() + "\r\n")
        return parse(try client.readToEnd())
    }

    static func parse(_ response: String) -> (status: Int, headers: [String: String], body: String) {
        let parts = response.components(separatedBy: "\r\n\r\n")
        let lines = parts[0].components(separatedBy: "\r\n")
        let status = Int(lines[0].split(separator: " ").dropFirst().first ?? "") ?? 0
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            let pair = line.split(separator: ":", maxSplits: 1)
            if pair.count == 2 { headers[pair[0].lowercased()] = pair[1].trimmingCharacters(in: .whitespaces) }
        }
        return (status, headers, parts.dropFirst().joined(separator: "\r\n\r\n"))
    }
}
