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
        terminalSafe(try encoder().encode(NullKeepingEncoder.wrap(value)))
    }

    /// JSON escapes only controls below U+0020; DEL, the C1 controls and the bidi
    /// formatting characters that `TerminalText` escapes would still reach a terminal
    /// showing the document. They can stand only inside strings, where `\uXXXX` is the
    /// same text to every JSON reader, so the document keeps its raw values.
    public static func terminalSafe(_ data: Data) -> Data {
        let text = String(decoding: data, as: UTF8.self)
        guard text.unicodeScalars.contains(where: needsEscape) else { return data }
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if needsEscape(scalar) {
                let hex = String(scalar.value, radix: 16)
                out.append(contentsOf: ("\\u" + String(repeating: "0", count: 4 - hex.count) + hex).unicodeScalars)
            } else {
                out.append(scalar)
            }
        }
        return Data(String(out).utf8)
    }

    /// Beyond what JSON escapes itself: DEL, C1 and bidi formatting (all in the BMP).
    static func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value >= 0x7F && TerminalText.needsEscape(scalar, .multiLine)
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
