import Foundation
import Testing
@testable import KDNetKit

/// The board the watcher publishes to and the HTTP side reads.
@Suite struct LabStatusBoardTests {
    @Test func anUpdateReplacesOnlyTheTargetsThatChanged() {
        let board = LabFleetFixture.board()
        let before = board.snapshot()
        var lab02 = before.targets[1]
        lab02.state = .connected
        lab02.build = 26100
        board.update([.init(index: 1, status: lab02, recentLines: ["first", "second"])])
        let after = board.snapshot()
        #expect(after.generation == before.generation + 1)
        #expect(after.targets[1] == lab02)
        #expect(after.targets[0] == before.targets[0] && after.targets[2...] == before.targets[2...])
        #expect(board.recentLog(of: "lab-02") == "first\nsecond\n")
        // Lines not given are kept.
        #expect(board.recentLog(of: "lab-01") == "Driver loaded\nKDNET ok\n")
        // Names are unique ignoring case in a config, so they are found ignoring case.
        #expect(board.recentLog(of: "LAB-02") == "first\nsecond\n")
        #expect(board.recentLog(of: "lab-0") == nil)
    }

    @Test func aStatusChangeWithoutLinesKeepsTheLines() {
        let board = LabFleetFixture.board()
        var lab01 = board.snapshot().targets[0]
        lab01.state = .silent
        board.update([.init(index: 0, status: lab01)])
        #expect(board.snapshot().targets[0].state == .silent)
        #expect(board.recentLog(of: "lab-01") == "Driver loaded\nKDNET ok\n")
    }

    @Test func changesOutsideTheFleetAndEmptyUpdatesChangeNothing() {
        let board = LabFleetFixture.board()
        let before = board.snapshot()
        board.update([])
        #expect(board.snapshot() == before)
        board.update([.init(index: 99, status: LabFleetFixture.connected(name: "ghost"), recentLines: ["boo"])])
        #expect(board.snapshot().targets == before.targets)
        #expect(board.recentLog(of: "ghost") == nil)
    }

    @Test func aNewFleetReplacesNamesAndLines() {
        let board = LabFleetFixture.board()
        board.publish([LabFleetFixture.connected(name: "lab-09", port: 50009)], recentLines: ["lab-09": ["hello"]])
        #expect(board.snapshot().targets.map(\.name) == ["lab-09"])
        #expect(board.recentLog(of: "lab-09") == "hello\n")
        #expect(board.recentLog(of: "lab-01") == nil)
        // A target without lines serves an empty log, not a 404.
        board.publish([LabFleetFixture.connected(name: "lab-10")])
        #expect(board.recentLog(of: "lab-10") == "")
    }
}
