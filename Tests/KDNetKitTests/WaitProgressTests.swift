import Foundation
import Testing
@testable import KDNetKit

@Suite struct WaitProgressTests {
    @Test func theLineSaysHowLongOfHowLong() {
        #expect(WaitProgress(elapsed: 12.7, limit: 120).line("no datagrams yet") == "waiting 12 s of 120: no datagrams yet")
        #expect(WaitProgress(elapsed: 3, limit: 0.5).line("x") == "waiting 3 s of 0.5: x")
        #expect(WaitProgress(elapsed: 3, limit: nil).line("x") == "waiting 3 s: x")
    }

    @Test func plainLinesComeOncePerIntervalAndNotBeforeTheFirstIsOver() {
        #expect(!WaitProgress(elapsed: 0.1, limit: 60).isDueForPlainLine(since: 0))
        #expect(!WaitProgress(elapsed: 9.9, limit: 60).isDueForPlainLine(since: 0))
        #expect(WaitProgress(elapsed: 10.2, limit: 60).isDueForPlainLine(since: 0))
        #expect(!WaitProgress(elapsed: 12, limit: 60).isDueForPlainLine(since: 10.2))
        #expect(WaitProgress(elapsed: 20, limit: 60).isDueForPlainLine(since: 10.2))
    }

    @Test func theSpinnerTurnsOnceEveryRedraw() {
        let frames = (0..<4).map { WaitProgress(elapsed: Double($0) * WaitProgress.redrawInterval + 0.01, limit: nil).spinnerFrame }
        #expect(Set(frames).count == 4)
    }

    @Test func aWaitCanBeNamed() {
        #expect(WaitProgress(elapsed: 3.2, limit: nil).line("eth0: 0 UDP datagrams", verb: "capturing") == "capturing 3 s: eth0: 0 UDP datagrams")
    }
}
