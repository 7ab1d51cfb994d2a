import Foundation
import Testing
@testable import KDNetKit
import KDNetTestSupport

/// Early silence may be the target waiting for DHCP before its first poke: named during
/// the first 60 s (kdnetctl's choice) when the target uses DHCP, and not after. The
/// clock is injected: nothing here waits.
@Suite struct DHCPWaitTests {
    /// A clock the test moves by hand.
    final class FakeClock: @unchecked Sendable {
        var now = 1000.0
        var read: () -> Double { { self.now } }
    }

    @Test func theHintNamesDHCPItsSourceNodhcpAndItsCostAndSays60sIsAChoice() throws {
        let hint = try #require(DHCPWait().hint(silentFor: 10, datagrams: 0))
        #expect(hint.contains("DHCP is the default") && hint.contains("Set up KDNET network kernel debugging manually"))
        #expect(hint.contains("nodhcp") && hint.contains("link-local 169.254.x.x") && hint.contains("reachable on that segment"))
        #expect(hint.contains("60 s") && hint.contains("not a documented figure"))
        #expect(DHCPWait(targetUsesDHCP: true).hint(silentFor: 10, datagrams: 0)?.contains("the target's settings use DHCP") == true)
    }

    @Test func onlyForSilenceWithinTheAssumedWaitOfATargetThatMayUseDHCP() {
        #expect(DHCPWait().hint(silentFor: 59.9, datagrams: 0) != nil)
        #expect(DHCPWait().hint(silentFor: 60, datagrams: 0) == nil)
        #expect(DHCPWait().hint(silentFor: 10, datagrams: 1) == nil)
        #expect(DHCPWait(targetUsesDHCP: false).hint(silentFor: 10, datagrams: 0) == nil)
    }

    @Test func theTargetsSettingsDecide() {
        func settings(_ dhcp: String?) -> DbgSettings {
            DbgSettings(parsing: "debugtype               NET\nhostip                  10.0.0.1\nport                    50000\n"
                        + (dhcp.map { "dhcp                    \($0)\n" } ?? "") + DbgSettings.successLine)
        }
        #expect(DHCPWait(settings: settings("Yes")).targetUsesDHCP == true)
        #expect(DHCPWait(settings: settings("No")).targetUsesDHCP == false)
        #expect(DHCPWait(settings: settings(nil)).targetUsesDHCP == nil)
        #expect(DHCPWait(settings: nil).targetUsesDHCP == nil)
    }

    @Test func theLiveNoticeComesOnceAfterTheDelayAndNotAfter60s() {
        let clock = FakeClock()
        var notice = DHCPWaitNotice(DHCPWait(), clock: clock.read)
        #expect(notice.due(datagrams: 0) == nil)
        clock.now += DHCPWaitNotice.delay
        #expect(notice.due(datagrams: 0) != nil)
        #expect(notice.due(datagrams: 0) == nil)

        let late = FakeClock()
        var missed = DHCPWaitNotice(DHCPWait(), clock: late.read)
        late.now += DHCPWait.assumedSeconds
        #expect(missed.due(datagrams: 0) == nil)

        let heard = FakeClock()
        var busy = DHCPWaitNotice(DHCPWait(), clock: heard.read)
        heard.now += 10
        #expect(busy.due(datagrams: 3) == nil)
    }

    @Test func listensResultNamesItBefore60sAndDiagnosesAsBeforeAfter() {
        let clock = FakeClock()
        let notice = DHCPWaitNotice(DHCPWait(), clock: clock.read)
        let silent = ListenResult(name: nil, port: 50000, session: HostSession(configuration: .init(keys: KDNetKeys(key: KDNetConversation.randomKey()))),
                                  mac: nil, follow: false, debugOutput: [])
        #expect(silent.diagnosis == .noTraffic)
        clock.now += 2
        var early = silent
        early.noteDHCPWait(notice)
        #expect(early.explanation?.hasPrefix(TrafficDiagnosis.noTraffic.explanation) == true)
        #expect(early.explanation?.contains("possibly DHCP") == true)
        clock.now += 120
        var late = silent
        late.noteDHCPWait(notice)
        #expect(late == silent)
    }

    @Test func doctorListenNamesItForAShortListenOnly() {
        let hint = SettingsHint(hostIP: "10.77.0.1", port: 50000)
        let short = ListenCheck.judge(ObservedTraffic(), port: 50000, seconds: 10, target: nil, hint: hint)
        #expect(short.verdict == .fail && short.cause.contains("possibly DHCP") && short.fix?.contains("--listen 90") == true)
        let long = ListenCheck.judge(ObservedTraffic(), port: 50000, seconds: 90, target: nil, hint: hint)
        #expect(long.verdict == .fail && !long.cause.contains("DHCP"))
        let nodhcp = ListenCheck.judge(ObservedTraffic(), port: 50000, seconds: 10, target: nil, hint: hint, dhcp: DHCPWait(targetUsesDHCP: false))
        #expect(!nodhcp.cause.contains("DHCP"))
    }
}
