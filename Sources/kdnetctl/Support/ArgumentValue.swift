import ArgumentParser
import Foundation
import KDNetKit

/// Parsers for numbers whose range or words belong to one option, handed to
/// ArgumentParser as `transform:` so that a malformed value is a usage error (exit 64)
/// reported before the command runs. Values with a type of their own (keys, KDNET
/// ports, host addresses, interfaces, choices) are `TypedArgument`s instead.
///
/// Numeric options are declared with `parsing: .unconditional`, so that `--port -3`
/// reaches these parsers (and is refused for what it is) instead of being read as
/// an unknown flag and reported as a missing value.
enum ArgumentValue {
    /// How long a command may be told to wait: long enough for a lab weekend, and
    /// short values stay above a poll's granularity.
    static let waitRange: ClosedRange<Double> = 0.1...604_800

    /// Any UDP port a probe may use (1-65535): probes test paths other than KDNET's.
    @Sendable static func udpPort(_ text: String) throws -> Int {
        try integer(text, in: 1...65535, what: "a UDP port")
    }

    /// Parses only: the command (or the library) checks the range with its own words.
    @Sendable static func wholeNumber(_ text: String) throws -> Int {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard let value = Int(trimmed) else { throw ArgumentValueError.notAWholeNumber(trimmed) }
        return value
    }

    /// Parses only, like `wholeNumber`; `nan` and `inf` are not numbers of seconds.
    @Sendable static func anySeconds(_ text: String) throws -> Double {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard let value = Double(trimmed), value.isFinite else { throw ArgumentValueError.notSeconds(trimmed) }
        return value
    }

    static func seconds(_ range: ClosedRange<Double>) -> @Sendable (String) throws -> Double {
        { text in
            let trimmed = text.trimmingCharacters(in: .whitespaces)
            guard let value = Double(trimmed), value.isFinite else {
                throw ArgumentValueError.notANumber(trimmed, "a number of seconds", "\(ArgumentValueError.format(range.lowerBound))-\(ArgumentValueError.format(range.upperBound))")
            }
            guard range.contains(value) else { throw ArgumentValueError.secondsOutOfRange(value, range) }
            return value
        }
    }

    /// A whole number in `range` (a count, a size): out of range is a usage error.
    static func count(_ range: ClosedRange<Int>) -> @Sendable (String) throws -> Int {
        { text in try integer(text, in: range, what: "a whole number") }
    }

    private static func integer(_ text: String, in range: ClosedRange<Int>, what: String) throws -> Int {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard let value = Int(trimmed) else { throw ArgumentValueError.notANumber(trimmed, what, "\(range.lowerBound)-\(range.upperBound)") }
        guard range.contains(value) else { throw ArgumentValueError.outOfRange(value, range) }
        return value
    }
}

enum ArgumentValueError: Error, LocalizedError, Equatable {
    case notANumber(String, String, String)
    case notAWholeNumber(String)
    case notSeconds(String)
    case outOfRange(Int, ClosedRange<Int>)
    case secondsOutOfRange(Double, ClosedRange<Double>)

    var errorDescription: String? {
        switch self {
        case .notANumber(let text, let what, let range):
            return "'\(text)' is not \(what); give a number from \(range)"
        case .notAWholeNumber(let text):
            return "'\(text)' is not a whole number; give one such as 3"
        case .notSeconds(let text):
            return "'\(text)' is not a number of seconds; give one such as 5"
        case .outOfRange(let value, let range):
            return "\(value) is outside \(range.lowerBound)-\(range.upperBound); give one in that range"
        case .secondsOutOfRange(let value, let range):
            return "\(Self.format(value)) s is outside \(Self.format(range.lowerBound))-\(Self.format(range.upperBound)) s; give a number of seconds in that range"
        }
    }

    static func format(_ seconds: Double) -> String {
        seconds == seconds.rounded() && abs(seconds) < 1e9 ? String(Int(seconds)) : String(seconds)
    }
}
