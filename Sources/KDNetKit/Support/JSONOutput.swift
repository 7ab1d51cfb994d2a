import Foundation

/// The one JSON style every command prints: snake_case keys, sorted, pretty, stable, and
/// every key always there, `null` when its value is absent (see `NullKeepingEncoder`).
public enum JSONOutput {
    private static func encoder() -> JSONEncoder {
        let e = JSONEncoder()
        e.keyEncodingStrategy = .convertToSnakeCase
        e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return e
    }

    public static func data<T: Encodable>(_ value: T) throws -> Data {
        try encoder().encode(NullKeepingEncoder.wrap(value))
    }

    public static func string<T: Encodable>(_ value: T) throws -> String {
        String(decoding: try data(value), as: UTF8.self)
    }

    public static func decoder() -> JSONDecoder {
        let d = JSONDecoder()
        d.keyDecodingStrategy = .convertFromSnakeCase
        return d
    }
}
