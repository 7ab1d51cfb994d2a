import Foundation

/// The JSON data files built into KDNetKit (Resources/, each with its origin in README.md).
enum BundledData {
    static func decode<T: Decodable>(_ type: T.Type, from file: String) throws -> T {
        guard let dir = Bundle.module.url(forResource: "Resources", withExtension: nil),
              let data = try? Data(contentsOf: dir.appendingPathComponent(file))
        else { throw HardwareError.dataMissing(file) }
        return try JSONOutput.decoder().decode(T.self, from: data)
    }
}
