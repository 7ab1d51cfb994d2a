import Foundation

/// The status line of anything that waits: how long it has waited, how long it will,
/// and what it has seen, so that a quiet wait reads as working rather than hung.
public struct WaitProgress: Sendable, Equatable {
    public var elapsed: Double
    /// nil when the wait has no end (until Ctrl-C).
    public var limit: Double?

    public init(elapsed: Double, limit: Double?) {
        self.elapsed = elapsed
        self.limit = limit
    }

    /// "waiting 12 s of 120: no datagrams yet", or "waiting 12 s: …" without a limit.
    public func line(_ state: String) -> String {
        let done = Int(max(0, elapsed))
        let of = limit.map { " of \(Self.seconds($0))" } ?? ""
        return "waiting \(done) s\(of): \(state)"
    }

    /// Whole seconds when whole ("120"), else one decimal ("0.5").
    static func seconds(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(format: "%.1f", value)
    }

    /// The spinner's frame for this moment (ASCII: it must survive any terminal's font).
    public var spinnerFrame: Character {
        let frames: [Character] = ["|", "/", "-", "\\"]
        return frames[Int(max(0, elapsed) * 8) % frames.count]
    }

    /// Off a terminal a status line cannot be redrawn; a plain line every `interval`
    /// seconds shows the wait instead. True when `elapsed` has crossed into a new interval
    /// since `previous`.
    public func isDueForPlainLine(since previous: Double?, interval: Double = 10) -> Bool {
        guard let previous else { return true }
        return Int(elapsed / interval) > Int(previous / interval)
    }
}
