import Foundation

/// Reads the test fixtures copied into the bundle.
enum FixtureFiles {
    static var root: URL { Bundle.module.url(forResource: "Fixtures", withExtension: nil)! }

    static func text(_ path: String) throws -> String {
        try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
    }
}
