import Foundation
import KDNetTestSupport
import Testing

/// The binary locator: a missing program is an error that says what to build, so a test
/// that needs it fails instead of skipping or passing on some other error.
@Suite struct BuiltProductTests {
    @Test func aMissingProgramFailsSayingWhatToBuild() {
        do {
            let url = try BuiltProduct.url("kdnetctl-no-such-program")
            Issue.record("found \(url.path)")
        } catch {
            #expect(error.name == "kdnetctl-no-such-program")
            #expect(error.description.hasPrefix("kdnetctl-no-such-program is not built: no executable kdnetctl-no-such-program in /"))
            #expect(error.description.contains("build it first"))
        }
    }

    @Test func theBuiltKdnetctlIsFound() throws {
        let url = try KdnetctlBinary.url
        #expect(url.lastPathComponent == "kdnetctl" && FileManager.default.isExecutableFile(atPath: url.path))
    }
}
