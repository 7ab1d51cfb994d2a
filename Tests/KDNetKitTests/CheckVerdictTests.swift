import Foundation
import Testing
@testable import KDNetKit

/// One verdict type for the doctor, the probes, `vm check` and the wizard.
@Suite struct CheckVerdictTests {
    @Test func unavailableRanksBetweenPassAndWarn() {
        #expect([CheckVerdict.fail, .warn, .unavailable, .pass].sorted() == [.pass, .unavailable, .warn, .fail])
        #expect(DoctorReport(checks: [DoctorCheckResult(name: "a", verdict: .warn, cause: "")]).overall == .warn)
    }

    /// The wizard's record keeps the words it always had.
    @Test func aWizardCheckSavesItsVerdictAsBefore() throws {
        let check = WizardCheck(name: "doctor", verdict: .unavailable, cause: "not in this build")
        let doc = try #require(try JSONSerialization.jsonObject(with: JSONOutput.data(check)) as? [String: Any])
        #expect(doc["verdict"] as? String == "unavailable")
        let back = try JSONOutput.decoder().decode(WizardCheck.self, from: JSONOutput.data(check))
        #expect(back.verdict == .unavailable)
        #expect(try JSONOutput.decoder().decode(WizardCheck.self, from: Data(#"{"name":"n","verdict":"warn","cause":"c","commands":[]}"#.utf8)).verdict == .warn)
    }
}
