import Foundation
import Testing
@testable import KDNetKit

/// Not a test: what Checks/check-http-page.sh runs until `serve` is merged. With
/// KDNETCTL_HTTP_FIXTURE=ADDR:PORT (and KDNETCTL_HTTP_FIXTURE_TOKEN), it serves a fleet
/// whose lab-01 is still waiting; once a page opens its event stream, lab-01 connects
/// with build 22631, so a browser shows it only through the live update. It serves until
/// the file KDNETCTL_HTTP_FIXTURE_STOP exists (at most two minutes).
@Suite struct LabHTTPPageFixture {
    static let environment = ProcessInfo.processInfo.environment

    @Test(.enabled(if: environment["KDNETCTL_HTTP_FIXTURE"] != nil))
    func serveAFleetForTheBrowserCheck() throws {
        let binding = try LabHTTPBinding.parse(try #require(Self.environment["KDNETCTL_HTTP_FIXTURE"]))
        let stopFile = try #require(Self.environment["KDNETCTL_HTTP_FIXTURE_STOP"])
        var fleet = LabFleetFixture.targets
        let connected = fleet[0]
        fleet[0] = LabTargetStatus(name: connected.name, port: connected.port, since: LabFleetFixture.started)
        let board = LabFleetFixture.board(fleet)
        let server = LabHTTPServer(bind: binding.endpoint, token: Self.environment["KDNETCTL_HTTP_FIXTURE_TOKEN"], source: board)
        try server.start()
        defer { server.stop() }
        let end = MonotonicClock.now() + 120
        var published = false
        while MonotonicClock.now() < end && !FileManager.default.fileExists(atPath: stopFile) {
            if !published && server.openStreams > 0 {
                fleet[0] = connected
                board.publish(fleet, logs: [connected.name: connected.recentOutput.joined(separator: "\n")])
                published = true
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
    }
}
