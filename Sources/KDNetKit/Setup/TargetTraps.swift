import Foundation

/// Traps of a KDNET target that public reports name, each with its source, from
/// Resources/target-traps.json. A finding, a precaution or a hint that rests on one
/// names the source in its text.
public struct TargetTraps: Sendable, Codable {
    public enum ID: String, CaseIterable, Sendable {
        case wrongDevice = "kdnet-wrong-device"
        case staticAddressLost = "static-address-lost"
        case dhcpBeforePoke = "dhcp-before-poke"
    }

    public struct Trap: Sendable, Codable, Hashable {
        public let id: String
        public let claim: String
        /// A URL or a document's title.
        public let source: String
        /// How a sentence cites the source (MicrosoftDocs/windows-driver-docs#2303).
        public let citedAs: String

        /// "(source: MicrosoftDocs/windows-driver-docs#2303, https://…)": the short name and,
        /// when the source is a page, where to read it.
        public var citation: String {
            source.hasPrefix("https://") ? "(source: \(citedAs), \(source))" : "(source: \(source))"
        }
    }

    public let origin: String
    public let traps: [Trap]

    public static func builtIn() throws -> TargetTraps {
        try BundledData.decode(TargetTraps.self, from: "target-traps.json")
    }

    /// Read once: the texts that cite a trap are made in initialisers that cannot fail on it.
    static let loaded = Result { try builtIn() }

    /// The trap with `id`; every id is in the file (a test walks them). A missing or damaged
    /// data file still gives a sentence, one that says what is wrong instead of the claim.
    public static func trap(_ id: ID) -> Trap {
        if case .success(let all) = loaded, let t = all.traps.first(where: { $0.id == id.rawValue }) { return t }
        return Trap(id: id.rawValue, claim: "a trap kdnetctl's data file target-traps.json should describe (the file is missing or damaged: reinstall kdnetctl)",
                    source: "target-traps.json", citedAs: "target-traps.json")
    }
}
