import Foundation
@testable import KDNetKit

/// The real captures in Fixtures/vectors, loaded for tests.
enum Vectors {
    static var folder: URL { Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.appendingPathComponent("vectors") }

    /// `name hex` lines of the libKDNET vector, in recording order.
    static func libkdnet() throws -> [(name: String, bytes: [UInt8])] {
        let text = try String(contentsOf: folder.appendingPathComponent("libkdnet-1.1.1.1-v2.txt"), encoding: .utf8)
        return text.split(separator: "\n").compactMap { line in
            let parts = line.split(separator: " ", maxSplits: 1)
            guard parts.count == 2, let bytes = [UInt8](hex: parts[1]) else { return nil }
            return (String(parts[0]), bytes)
        }
    }

    static var windbgCapture: URL { folder.appendingPathComponent("windbg-8.8.8.8-v4.pcapng") }
}
