import Foundation
import Testing
@testable import KDNetKit

/// Routes, documents and authentication of the lab service, without sockets.
@Suite struct LabHTTPRouterTests {
    let board = LabFleetFixture.board()

    /// The rule of a server on 127.0.0.1:8470 that may also be called lab.example.
    static let hosts = LabHTTPHostRule(port: 8470, addresses: [IPAddress("127.0.0.1")!], names: ["lab.example"])

    /// A request as a client on this host sends it (`Host: 127.0.0.1:8470`) unless `headers` says otherwise.
    func get(_ target: String, headers: [String: String] = [:], token: String? = nil, method: String = "GET") throws -> HTTPResponse {
        let all = headers.keys.contains { $0.lowercased() == "host" } ? headers : headers.merging(["Host": "127.0.0.1:8470"]) { a, _ in a }
        let head = "\(method) \(target) HTTP/1.1\r\n" + all.filter { !$0.value.isEmpty }.map { "\($0.key): \($0.value)\r\n" }.joined() + "\r\n"
        guard case .complete(let request, _) = HTTPRequest.parse(Array(head.utf8)) else { throw CancellationError() }
        return LabHTTPRouter(source: board, token: token, hosts: Self.hosts).respond(to: request)
    }

    func text(_ r: HTTPResponse) -> String { String(decoding: r.body, as: UTF8.self) }

    @Test func targetsAreServedInTheDocumentedShapeWithNulls() throws {
        let r = try get("/api/targets")
        #expect(r.status == .ok && r.header("content-type") == "application/json")
        let root = try #require(try JSONSerialization.jsonObject(with: Data(r.body)) as? [String: Any])
        let targets = try #require(root["targets"] as? [[String: Any]])
        #expect(targets.count == 4)
        let keys = ["name", "port", "state", "address", "mac", "build", "machine", "kernel_base", "since", "last_seen",
                    "datagrams", "wrong_key", "unexpected_source", "reboots"]
        for t in targets { #expect(Set(keys).isSubset(of: Set(t.keys)), "\(t.keys.sorted())") }
        let first = targets[0]
        #expect(first["name"] as? String == "lab-01" && first["port"] as? Int == 50001 && first["state"] as? String == "connected")
        #expect(first["build"] as? Int == 22631 && first["machine"] as? String == "x64" && first["kernel_base"] as? String == "0xfffff80712400000")
        #expect(first["mac"] as? String == "52:54:00:12:34:56" && first["address"] as? String == "192.0.2.11")
        #expect(first["since"] as? String == "2027-01-15T08:01:00Z" && first["last_seen"] as? String == "2027-01-15T08:01:30Z")
        #expect(first["datagrams"] as? Int == 120 && first["wrong_key"] as? Int == 3 && first["unexpected_source"] as? Int == 2)
        #expect(first["reboots"] as? Int == 2)
        let waiting = targets[3]
        #expect(waiting["state"] as? String == "waiting")
        for absent in ["address", "mac", "build", "machine", "kernel_base", "last_seen"] { #expect(waiting[absent] is NSNull, "\(absent)") }
        #expect(targets[1]["state"] as? String == "wrong_key" && targets[1]["wrong_key"] as? Int == 7)
        #expect(root["generation"] as? Int == 1)
    }

    @Test func aTargetsLogIsPlainTextAndAnUnknownNameIsAJSON404() throws {
        let log = try get("/api/targets/lab-01/log")
        #expect(log.status == .ok && text(log) == "Driver loaded\nKDNET ok\n" && log.header("content-type")?.hasPrefix("text/plain") == true)
        let encoded = LabFleetFixture.hostileName.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
        #expect(text(try get("/api/targets/\(encoded)/log")) == LabFleetFixture.hostileOutput + "\n")
        let missing = try get("/api/targets/lab-99/log")
        #expect(missing.status == .notFound && missing.header("content-type") == "application/json")
        #expect(text(missing).contains(#""error" : "no target is named 'lab-99'; GET /api/targets lists them""#))
    }

    @Test func unknownPathsAre404AndOtherMethods405() throws {
        #expect(try get("/nope").status == .notFound)
        #expect(try get("/api/targets/lab-01").status == .notFound)
        let post = try get("/api/targets", method: "POST")
        #expect(post.status == .methodNotAllowed && post.header("allow") == "GET, HEAD")
        #expect(try get("/metrics", method: "DELETE").status == .methodNotAllowed)
    }

    @Test func headIsTheHeadOfGet() throws {
        let head = try get("/api/targets", method: "HEAD")
        let bytes = String(decoding: head.serialized(headOnly: true), as: UTF8.self)
        #expect(bytes.hasSuffix("\r\n\r\n") && bytes.contains("Content-Length: \(head.body.count)\r\n") && head.body.count > 100)
    }

    @Test func metricsCarryTheBoardsValues() throws {
        let r = try get("/metrics")
        #expect(r.status == .ok && r.header("content-type")?.hasPrefix("text/plain; version=0.0.4") == true)
        let lines = Set(text(r).split(separator: "\n").map(String.init))
        let lab01 = #"target="lab-01",port="50001""#
        for expected in [
            "kdnet_target_up{\(lab01)} 1.0",
            #"kdnet_target_up{target="lab-02",port="50002"} 0.0"#,
            "kdnet_target_state{\(lab01),state=\"connected\"} 1.0",
            "kdnet_target_state{\(lab01),state=\"silent\"} 0.0",
            #"kdnet_target_state{target="lab-02",port="50002",state="wrong_key"} 1.0"#,
            "kdnet_datagrams_total{\(lab01),status=\"authenticated\"} 100",
            "kdnet_datagrams_total{\(lab01),status=\"wrong-key\"} 3",
            "kdnet_datagrams_total{\(lab01),status=\"unexpected-source\"} 2",
            "kdnet_datagrams_total{\(lab01),status=\"kdnet-data\"} 12",
            #"kdnet_datagrams_total{target="lab-02",port="50002",status="wrong-key"} 7"#,
            "kdnet_target_reboots_total{\(lab01)} 2",
            "kdnet_target_build_info{\(lab01),build=\"22631\",machine=\"x64\",kernel_base=\"0xfffff80712400000\"} 1.0",
            "kdnet_target_last_datagram_seconds{\(lab01)} 1800000090.5",
            "kdnet_service_targets 4.0",
            "# TYPE kdnet_datagrams_total counter",
            "# TYPE kdnet_target_up gauge",
        ] {
            #expect(lines.contains(expected), "missing \(expected)")
        }
        // No build yet, no build info; and no metric line without the prefix.
        #expect(!lines.contains { $0.hasPrefix("kdnet_target_build_info{target=\"lab-04\"") })
        #expect(lines.allSatisfy { $0.hasPrefix("kdnet_") || $0.hasPrefix("# HELP kdnet_") || $0.hasPrefix("# TYPE kdnet_") })
    }

    @Test func hostileNamesAndOutputAreEscapedEverywhere() throws {
        let page = try get("/")
        let html = text(page)
        #expect(page.status == .ok && page.header("content-type") == "text/html; charset=utf-8")
        #expect(!html.contains(LabFleetFixture.hostileName) && !html.contains("<img") && !html.contains("<script>alert"))
        #expect(html.contains("<td>&lt;img src=x onerror=alert(1)&gt;&amp;&quot;&#39;</td>"))
        #expect(html.contains("<pre>&lt;/pre&gt;&lt;script&gt;alert(&#39;dbg&#39;)&lt;/script&gt;</pre>"))
        // The script writes target text only through textContent.
        #expect(!LabStatusPage.script.contains("innerHTML") && !LabStatusPage.script.contains("insertAdjacentHTML"))
        #expect(LabStatusPage.script.contains("td.textContent = text(v)") && LabStatusPage.script.contains("pre.textContent ="))
        // The policy runs only the page's own script.
        let policy = try #require(page.header("content-security-policy"))
        #expect(policy.contains("script-src '\(LabStatusPage.scriptHash)'") && policy.hasPrefix("default-src 'none'"))
        // Metrics escape the label value; SSE data lines cannot be broken by the name.
        #expect(text(try get("/metrics")).contains(#"target="<img src=x onerror=alert(1)>&\"'""#))
        let newline = LabTargetStatus(name: "a\nevent: x\ndata: y", port: 50010, since: LabFleetFixture.started)
        let board = LabFleetFixture.board([newline])
        let event = String(decoding: LabHTTPRouter.event(board.snapshot()), as: UTF8.self)
        #expect(event.hasPrefix("event: snapshot\n") && event.hasSuffix("\n\n"))
        #expect(event.dropLast(2).split(separator: "\n").dropFirst().allSatisfy { $0.hasPrefix("data: ") })
    }

    @Test func thePageShowsTheFleet() throws {
        let html = text(try get("/"))
        #expect(html.contains("<tr class=\"state-connected\"><td>lab-01</td><td>50001</td><td>connected</td><td>192.0.2.11</td><td>52:54:00:12:34:56</td><td>22631</td><td>x64</td><td>2027-01-15 08:01:00Z</td><td>2027-01-15 08:01:30Z</td><td>120</td><td>3</td><td>2</td><td>2</td>"))
        #expect(html.contains("<pre>Driver loaded\nKDNET ok</pre>") && html.contains("1 of 4 connected"))
        #expect(html.contains("data-generation=\"1\"") && !html.contains("http://") && !html.contains("https://"))
    }

    @Test func theEventStreamStartsWithTheFleet() throws {
        let r = try get("/events")
        #expect(r.isEventStream && r.header("content-type")?.hasPrefix("text/event-stream") == true)
        let body = text(r)
        #expect(body.hasPrefix("retry: 2000\n\nevent: snapshot\ndata: {\n"))
        let json = body.split(separator: "\n").filter { $0.hasPrefix("data: ") }.map { $0.dropFirst(6) }.joined(separator: "\n")
        let root = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect((root["targets"] as? [[String: Any]])?.first?["build"] as? Int == 22631)
        #expect(!String(decoding: r.serialized(), as: UTF8.self).contains("Content-Length"))
    }

    @Test func withATokenEveryRouteNeedsIt() throws {
        for path in ["/", "/api/targets", "/api/targets/lab-01/log", "/metrics", "/events", "/nope"] {
            let r = try get(path, token: "s3cret")
            #expect(r.status == .unauthorized && r.header("www-authenticate") == #"Bearer realm="kdnetctl""#, "\(path)")
            #expect(try get(path, headers: ["Authorization": "Bearer wrong"], token: "s3cret").status == .unauthorized)
            #expect(try get(path, headers: ["Authorization": "Bearer s3cre"], token: "s3cret").status == .unauthorized)
            #expect(try get(path, headers: ["Authorization": "Basic s3cret"], token: "s3cret").status == .unauthorized)
        }
        #expect(try get("/api/targets", headers: ["Authorization": "Bearer s3cret"], token: "s3cret").status == .ok)
        #expect(try get("/api/targets", headers: ["Authorization": "bearer s3cret"], token: "s3cret").status == .ok)
        #expect(try get("/metrics", token: nil).status == .ok)
    }

    @Test func aBrowserSignsInOnceWithTheTokenInTheQuery() throws {
        #expect(try get("/?token=wrong", token: "s3cret").status == .unauthorized)
        // Only on the page: elsewhere a query token is no credential.
        #expect(try get("/api/targets?token=s3cret", token: "s3cret").status == .unauthorized)
        let signIn = try get("/?token=s3cret", token: "s3cret")
        #expect(signIn.status == .seeOther && signIn.header("location") == "/")
        let cookie = try #require(signIn.header("set-cookie"))
        #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict") && cookie.contains("Path=/"))
        #expect(!cookie.contains("s3cret"))
        let pair = String(cookie.split(separator: ";")[0])
        #expect(try get("/events", headers: ["Cookie": "other=1; \(pair)"], token: "s3cret").status == .ok)
        #expect(try get("/api/targets", headers: ["Cookie": pair + "0"], token: "s3cret").status == .unauthorized)
        #expect(try get("/api/targets", headers: ["Cookie": pair], token: "other").status == .unauthorized)
        // The page's own parameters survive the sign-in; the token does not.
        #expect(try get("/?stream_seconds=1&token=s3cret", token: "s3cret").header("location") == "/?stream_seconds=1")
    }

    @Test func aClientMayAskForAShorterStream() throws {
        #expect(try get("/events?seconds=1.5").streamSeconds == 1.5)
        #expect(try get("/events?seconds=0").streamSeconds == 0.1)
        #expect(try get("/events?seconds=nan").streamSeconds == nil)
        #expect(try get("/events").streamSeconds == nil)
    }

    static let routes = ["/", "/api/targets", "/api/targets/lab-01/log", "/metrics", "/events", "/nope"]

    /// DNS rebinding: a page on evil.example pointed at 127.0.0.1 sends `Host: evil.example`.
    @Test func aHostThatDoesNotNameThisServerGets421OnEveryRouteTokenOrNot() throws {
        for path in Self.routes {
            for token in [nil, "s3cret-s3cret-s3cret"] {
                let auth = token.map { ["Authorization": "Bearer \($0)"] } ?? [:]
                let evil = try get(path, headers: auth.merging(["Host": "evil.example:8470"]) { a, _ in a }, token: token)
                #expect(evil.status == .misdirected, "\(path)")
                #expect(text(evil).contains("--http-host evil.example") && !text(evil).contains("lab-01"), "\(path)")
                #expect(try get(path, headers: auth.merging(["Host": ""]) { a, _ in a }, token: token).status == .misdirected, "no Host: \(path)")
                #expect(try get(path, headers: auth.merging(["Host": "LAB.example."]) { a, _ in a }, token: token).status != .misdirected)
            }
        }
        // The sign-in with the token in the query is refused too: the cookie would be evil.example's.
        #expect(try get("/?token=s3cret-s3cret-s3cret", headers: ["Host": "evil.example"], token: "s3cret-s3cret-s3cret").status == .misdirected)
        // A forward's port is another port but still this server's name.
        #expect(try get("/api/targets", headers: ["Host": "localhost:8471"]).status == .ok)
        #expect(try get("/api/targets", headers: ["Host": "evil.example:8470"]).status == .misdirected)
        // An address the server does not know as its own is named as the value to allow.
        #expect(text(try get("/api/targets", headers: ["Host": "192.168.1.5:8470"])).contains("--http-host 192.168.1.5\n"))
        #expect(text(try get("/api/targets", headers: ["Host": "[fd00::5]:8470"])).contains("--http-host [fd00::5]\n"))
        #expect(text(try get("/api/targets", headers: ["Host": "a b"])).contains("--http-host NAME\n"))
        #expect(try get("/api/targets", headers: ["Host": "localhost"]).status == .ok)
    }

    @Test func aForeignOriginGets403OnTheStreamAndOnChangesButNotOnReads() throws {
        let foreign = ["Origin": "http://evil.example:8470"]
        #expect(try get("/events", headers: foreign).status == .forbidden)
        #expect(try get("/events", headers: ["Origin": "null"]).status == .forbidden)
        #expect(try get("/events", headers: ["Origin": "https://127.0.0.1:8470"]).status == .forbidden)
        for method in ["POST", "PUT", "DELETE", "PATCH"] {
            #expect(try get("/api/targets", headers: foreign, method: method).status == .forbidden, "\(method)")
            #expect(try get("/api/targets", headers: ["Origin": "http://127.0.0.1:8470"], method: method).status == .methodNotAllowed)
        }
        // The page's own origin, and a program that sends none.
        #expect(try get("/events", headers: ["Origin": "http://127.0.0.1:8470"]).status == .ok)
        #expect(try get("/events", headers: ["Origin": "http://lab.example:8470"]).status == .ok)
        #expect(try get("/events").status == .ok)
        // A plain GET of another route is not asked for its origin (no browser reads it cross-origin).
        #expect(try get("/api/targets", headers: foreign).status == .ok)
    }

    @Test func constantTimeEqualityIsEquality() throws {
        #expect(LabHTTPRouter.constantTimeEqual("abc", "abc"))
        #expect(!LabHTTPRouter.constantTimeEqual("abc", "abd") && !LabHTTPRouter.constantTimeEqual("abc", "abcd"))
        #expect(!LabHTTPRouter.constantTimeEqual("", "a") && !LabHTTPRouter.constantTimeEqual("abc\u{0}", "abc"))
    }

    /// The board holds no key, but a fleet from a real config must not leak one by any path.
    @Test func aFleetFromARealConfigNeverServesItsKey() throws {
        let key = ListenerConfigTests.key
        let json = #"{"version": 1, "targets": [{"name": "lab-07", "port": 50007, "key": "\#(key)", "address": "192.0.2.7"}]}"#
        let config = try ListenerConfig.parse(Data(json.utf8), source: "listener.json")
        let board = LabStatusBoard(LabServiceSnapshot(startedAt: LabFleetFixture.started, configPath: "listener.json"))
        board.publish(config.targets.map { LabTargetStatus(name: $0.name, port: $0.port, state: .connected, address: $0.address, build: 26100, since: LabFleetFixture.started) })
        let router = LabHTTPRouter(source: board, token: nil, hosts: Self.hosts)
        var served = ""
        for path in ["/", "/api/targets", "/api/targets/lab-07/log", "/metrics", "/events"] {
            guard case .complete(let request, _) = HTTPRequest.parse(Array("GET \(path) HTTP/1.1\r\nHost: localhost:8470\r\n\r\n".utf8)) else { continue }
            let body = String(decoding: router.respond(to: request).serialized(), as: UTF8.self)
            #expect(body.contains("lab-07") || path.hasSuffix("/log"), "\(path)")
            served += body
        }
        #expect(served.contains("26100"))
        for part in [key] + key.split(separator: ".").map(String.init) { #expect(!served.contains(part), "\(part)") }
    }
}
