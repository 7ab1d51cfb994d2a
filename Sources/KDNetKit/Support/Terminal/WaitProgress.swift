import Foundation

/// The status line of anything that waits: how long it has waited, how long it will,
/// and what it has seen, so that a quiet wait reads as working rather than hung.
public struct WaitProgress: Sendable, Equatable {
    public var elapsed: Double
    /// nil when the wait has no end (until Ctrl-C).
    public var limit: Double?

    /// How often a terminal's status line is redrawn while nothing happens: often enough
    /// for the spinner to turn and the seconds to count, rare enough to cost no CPU.
    public static let redrawInterval = 0.5
    /// Off a terminal a status line cannot be redrawn: a plain line this often instead.
    public static let plainLineInterval = 10.0

    public init(elapsed: Double, limit: Double?) {
        self.elapsed = elapsed
        self.limit = limit
    }

    /// "waiting 12 s of 120: no datagrams yet", or "waiting 12 s: …" without a limit;
    /// `verb` names the wait ("capturing 12 s of 30: …").
    public func line(_ state: String, verb: String = "waiting") -> String {
        let done = Int(max(0, elapsed))
        let of = limit.map { " of \(Self.seconds($0))" } ?? ""
        return "\(verb) \(done) s\(of): \(state)"
    }

    /// Whole seconds when whole ("120"), else one decimal ("0.5").
    static func seconds(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(format: "%.1f", value)
    }

    /// The spinner's frame for this moment, one step per redraw (ASCII: it must survive
    /// any terminal's font).
    public var spinnerFrame: Character {
        let frames: [Character] = ["|", "/", "-", "\\"]
        return frames[Int(max(0, elapsed) / Self.redrawInterval) % frames.count]
    }

    /// True when `elapsed` has crossed into a new interval since the last plain line
    /// (`previous`, 0 before the first): the first comes after one whole interval, so a
    /// short wait prints none.
    public func isDueForPlainLine(since previous: Double, interval: Double = plainLineInterval) -> Bool {
        Int(elapsed / interval) > Int(previous / interval)
    }
}
