import Foundation

/// Publicly reported VM traps, each with its source, from Resources/vm-pitfalls.json. A VM
/// check that rests on one names the source in its output.
public struct VMPitfalls: Sendable, Codable {
    public struct Pitfall: Sendable, Codable, Hashable {
        public let id: String
        public let claim: String
        public let source: String
    }

    public let origin: String
    public let pitfalls: [Pitfall]

    public static func builtIn() throws -> VMPitfalls {
        try BundledData.decode(VMPitfalls.self, from: "vm-pitfalls.json")
    }

    /// The source of a pitfall; every id the checks use is in the file (a test walks them).
    public func source(_ id: String) -> String? { pitfalls.first { $0.id == id }?.source }
}
