import Foundation
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
@testable import KDNetKit

/// The server on a real loopback socket, talked to by real clients.
@Suite(.serialized) struct LabHTTPServerTests {
    static let loopback = Endpoint("127.0.0.1", port: 0)!

    func serving(token: String? = nil, limits: LabHTTPServer.Limits = .init(), board: LabStatusBoard = LabFleetFixture.board(),
                 _ body: (LabHTTPServer, UInt16) throws -> Void) throws {
        let server = LabHTTPServer(bind: Self.loopback, token: token, source: board, limits: limits)
        try server.start()
        defer { server.stop() }
        try body(server, try #require(server.local?.port))
    }

    @Test func urlSessionGetsTheTargets() async throws {
        let server = LabHTTPServer(bind: Self.loopback, token: nil, source: LabFleetFixture.board())
        try server.start()
        defer { server.stop() }
        let url = URL(string: "http://127.0.0.1:\(try #require(server.local?.port))/api/targets")!
        let (data, response) = try await URLSession.shared.data(from: url)
        #expect((response as? HTTPURLResponse)?.statusCode == 200)
        let root = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let targets = try #require(root["targets"] as? [[String: Any]])
        #expect(targets.map { $0["name"] as? String } == ["lab-01", "lab-02", LabFleetFixture.hostileName, "lab-04"])
    }

    @Test func metricsNotFoundAndHeadOverTheWire() throws {
        try serving { _, port in
            let metrics = try RawHTTPClient.get("/metrics", port: port)
            #expect(metrics.status == 200 && metrics.body.contains(#"kdnet_target_up{target="lab-01",port="50001"} 1.0"#))
            #expect(metrics.headers["content-length"] == String(metrics.body.utf8.count) && metrics.headers["connection"] == "close")
            let missing = try RawHTTPClient.get("/api/targets/nobody/log", port: port)
            #expect(missing.status == 404 && missing.body.contains("no target is named 'nobody'"))
            let head = try RawHTTPClient.get("/", port: port, method: "HEAD")
            #expect(head.status == 200 && head.body.isEmpty && Int(head.headers["content-length"] ?? "") ?? 0 > 1000)
            #expect(try RawHTTPClient.get("/", port: port, method: "PUT").status == 405)
            #expect(try RawHTTPClient.get("/../etc/passwd", port: port).status == 400)
        }
    }

    @Test func overTheWireOnlyItsOwnNamesAreAnswered() throws {
        let server = LabHTTPServer(bind: Self.loopback, token: nil, source: LabFleetFixture.board(), hostNames: ["lab.example"])
        try server.start()
        defer { server.stop() }
        let port = try #require(server.local?.port)
        #expect(server.router?.hosts.port == port)
        for host in ["127.0.0.1:\(port)", "localhost:\(port)", "Lab.Example.:\(port)", "lab.example", "localhost:\(port &+ 1)"] + LabHTTPHostRule.machineNames().filter { LabHTTPHostRule.comparable($0) != nil } {
            #expect(try RawHTTPClient.get("/api/targets", port: port, headers: ["Host": host]).status == 200, "\(host)")
        }
        for host in ["evil.example", "evil.example:\(port)", "[::1]:\(port)"] {
            let r = try RawHTTPClient.get("/api/targets", port: port, headers: ["Host": host])
            #expect(r.status == 421 && !r.body.contains("lab-01"), "\(host)")
        }
    }

    @Test func aTokenIsNeededOverTheWireToo() throws {
        try serving(token: "s3cret") { _, port in
            let refused = try RawHTTPClient.get("/api/targets", port: port)
            #expect(refused.status == 401 && refused.headers["www-authenticate"] == #"Bearer realm="kdnetctl""#)
            #expect(try RawHTTPClient.get("/api/targets", port: port, headers: ["Authorization": "Bearer s3cret"]).status == 200)
        }
    }

    @Test func theEventStreamDeliversAPublishedChange() throws {
        let board = LabFleetFixture.board()
        try serving(board: board) { server, port in
            let client = try RawHTTPClient(port: port)
            client.send("GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            let first = try client.read(until: "data: }\n\n")
            #expect(first.hasPrefix("HTTP/1.1 200 OK\r\n") && first.contains("Content-Type: text/event-stream"))
            #expect(server.openStreams == 1)
            var changed = LabFleetFixture.targets
            changed[3].state = .connected
            changed[3].build = 26100
            board.publish(changed)
            let after = try client.read(until: "\"build\" : 26100")
            #expect(after.components(separatedBy: "event: snapshot\n").count == 3)
        }
    }

    @Test func aStreamEndsAfterTheSecondsItAskedFor() throws {
        try serving { server, port in
            let client = try RawHTTPClient(port: port)
            client.send("GET /events?seconds=0.3 HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\n\r\n")
            let started = MonotonicClock.now()
            let all = try client.readToEnd()
            #expect(all.contains("event: snapshot\n") && MonotonicClock.now() - started >= 0.25)
            #expect(server.openStreams == 0)
        }
    }

    @Test func aSlowClientIsDroppedAndOthersAreServedMeanwhile() throws {
        var limits = LabHTTPServer.Limits()
        limits.requestSeconds = 0.5
        try serving(limits: limits) { _, port in
            let slow = try RawHTTPClient(port: port)
            slow.send("GET / HTTP/1.1\r\nX-Slow: ")
            let started = MonotonicClock.now()
            #expect(try RawHTTPClient.get("/api/targets", port: port).status == 200)
            // The server ends the slow connection by itself, within the receive timeout.
            #expect(try slow.readToEnd().isEmpty)
            #expect(MonotonicClock.now() - started >= 0.4)
        }
    }

    @Test func anOversizedHeadGets431() throws {
        try serving { _, port in
            let client = try RawHTTPClient(port: port)
            client.send("GET / HTTP/1.1\r\nX-Filler: " + String(repeating: "a", count: 9000))
            #expect(try client.read(until: "\r\n\r\n").hasPrefix("HTTP/1.1 431 "))
        }
    }

    @Test func manyClientsAtOnce() throws {
        try serving { _, port in
            let clients = try (0..<40).map { _ in try RawHTTPClient(port: port) }
            for c in clients { c.send("GET /api/targets/lab-01/log HTTP/1.1\r\nHost: localhost:\(port)\r\n\r\n") }
            for c in clients { #expect(try c.readToEnd().hasSuffix("\r\n\r\nDriver loaded\nKDNET ok\n")) }
        }
    }

    @Test func aBusyPortIsAnErrorOfStartAndStopFreesIt() throws {
        try serving { _, port in
            let second = LabHTTPServer(bind: Endpoint("127.0.0.1", port: port)!, token: nil, source: LabFleetFixture.board())
            #expect(throws: LabHTTPError.portInUse(Endpoint("127.0.0.1", port: port)!)) { try second.start() }
        }
        let server = LabHTTPServer(bind: Self.loopback, token: nil, source: LabFleetFixture.board())
        try server.start()
        let port = try #require(server.local?.port)
        server.stop()
        #expect(throws: RawHTTPClient.ClientError.self) { try RawHTTPClient(port: port) }
        server.stop()
    }

    @Test func aForeignAddressIsRefused() throws {
        let server = LabHTTPServer(bind: Endpoint("192.0.2.1", port: 8470)!, token: "t", source: LabFleetFixture.board())
        #expect(throws: LabHTTPError.addressNotLocal("192.0.2.1")) { try server.start() }
    }
}
