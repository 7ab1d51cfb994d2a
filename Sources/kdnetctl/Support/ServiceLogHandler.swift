import Foundation
import KDNetKit
import Logging

/// The lab service's stderr log, one line per event, for journald or a terminal.
///
/// Text: under systemd (JOURNAL_STREAM is set when stderr is the journal) each line
/// starts with the syslog priority `<N>`, which journald turns into the entry's
/// priority (so `journalctl -p warning` works) and strips; elsewhere a timestamp and a
/// plain `info:` level word, because `<6>` means nothing to a person. Never colour.
/// JSON (`--json`): one object per line with sorted keys `time`, `level`, `event`,
/// `target`, `message` and the event's fields, for log processors and checks. Text is
/// raw there (JSON escapes it), and a field keeps its type: a count set as
/// `.stringConvertible(Int)` is a JSON number, a `Bool` a boolean, an `.array` a list.
struct ServiceLogHandler: LogHandler {
    enum Format: Sendable { case text(journald: Bool), json }

    let format: Format
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?
    var logLevel: Logger.Level = .info

    init(format: Format) { self.format = format }

    /// The format for this process: JSON when asked, else journald's when stderr is the journal.
    static func format(json: Bool) -> Format {
        json ? .json : .text(journald: ProcessInfo.processInfo.environment["JOURNAL_STREAM"] != nil)
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let fields = metadata.merging(event.metadata ?? [:], uniquingKeysWith: { _, new in new })
        Console.err(Self.line(format: format, level: event.level, message: event.message.description, fields: fields, at: Date()))
    }

    static func line(format: Format, level: Logger.Level, message: String, fields: Logger.Metadata, at date: Date) -> String {
        let time = date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
        switch format {
        case .json:
            var object: [String: Any] = ["time": time, "level": level.rawValue, "message": message, "target": NSNull(), "event": NSNull()]
            for (k, v) in fields { object[k] = jsonValue(v) }
            let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
            return String(decoding: JSONOutput.terminalSafe(data), as: UTF8.self)
        case .text(let journald):
            let who = fields["target"].map { TerminalText.escaped($0.description) + ": " } ?? ""
            let text = who + TerminalText.escaped(message)
            return journald ? "<\(syslogPriority(level))>\(text)" : "\(time) \(level.rawValue): \(text)"
        }
    }

    /// The value as JSONSerialization writes it, with its type.
    static func jsonValue(_ value: Logger.MetadataValue) -> Any {
        switch value {
        case .string(let s): return s
        case .stringConvertible(let c):
            if let b = c as? Bool { return b }
            if let i = c as? Int { return i }
            if let d = c as? Double, d.isFinite { return d }
            return c.description
        case .array(let a): return a.map(jsonValue)
        case .dictionary(let d): return d.mapValues(jsonValue)
        }
    }

    static func syslogPriority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: return 7
        case .info: return 6
        case .notice: return 5
        case .warning: return 4
        case .error: return 3
        case .critical: return 2
        }
    }
}

extension Logger {
    /// One lab-service event as one log line.
    func log(_ e: LabEvent) {
        let level: Logger.Level
        switch e.level {
        case .debug: level = .debug
        case .info: level = .info
        case .notice: level = .notice
        case .warning: level = .warning
        case .error: level = .error
        }
        var metadata: Logger.Metadata = ["event": .string(e.kind)]
        if let t = e.target { metadata["target"] = .string(t) }
        for (k, v) in e.fields { metadata[k] = Self.metadataValue(v) }
        log(level: level, "\(e.message)", metadata: metadata)
    }

    static func metadataValue(_ value: LabEvent.Value) -> Logger.MetadataValue {
        switch value {
        case .text(let s): return .string(s)
        case .integer(let n): return .stringConvertible(n)
        case .flag(let b): return .stringConvertible(b)
        case .texts(let a): return .array(a.map { .string($0) })
        case .integers(let a): return .array(a.map { .stringConvertible($0) })
        }
    }
}
