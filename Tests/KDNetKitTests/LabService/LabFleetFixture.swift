import Foundation
@testable import KDNetKit

/// A fleet to serve: one target of each kind, with values a test can look for.
enum LabFleetFixture {
    static let started = Date(timeIntervalSince1970: 1_800_000_000)  // 2027-01-15T08:00:00Z
    static let hostileName = "<img src=x onerror=alert(1)>&\"'"
    static let hostileOutput = "</pre><script>alert('dbg')</script>"

    static func connected(name: String = "lab-01", port: UInt16 = 50001) -> LabTargetStatus {
        var traffic = TrafficTally()
        traffic.total = 120; traffic.authenticated = 100; traffic.kdnetData = 12; traffic.wrongKey = 3
        traffic.unexpectedSource = 2; traffic.malformed = 1; traffic.notKdnet = 1; traffic.unsupportedVersion = 1
        return LabTargetStatus(name: name, port: port, state: .connected, address: "192.0.2.11", mac: "52:54:00:12:34:56",
                               build: 22631, machine: "x64", kernelBase: "0xfffff80712400000",
                               since: started.addingTimeInterval(60), lastSeen: started.addingTimeInterval(90.5),
                               traffic: traffic, reboots: 2, recentOutput: ["Driver loaded", "KDNET ok"])
    }

    static var targets: [LabTargetStatus] {
        var wrong = LabTargetStatus(name: "lab-02", port: 50002, state: .wrongKey, address: "192.0.2.12", since: started)
        wrong.traffic.total = 7; wrong.traffic.wrongKey = 7
        let hostile = LabTargetStatus(name: hostileName, port: 50003, state: .silent, since: started, recentOutput: [hostileOutput])
        let waiting = LabTargetStatus(name: "lab-04", port: 50004, since: started)
        return [connected(), wrong, hostile, waiting]
    }

    static func board(_ targets: [LabTargetStatus] = targets) -> LabStatusBoard {
        let board = LabStatusBoard(LabServiceSnapshot(startedAt: started, configPath: "/etc/kdnetctl/listener.json"))
        board.publish(targets, recentLines: Dictionary(uniqueKeysWithValues: targets.map { ($0.name, $0.recentOutput) }))
        return board
    }
}
