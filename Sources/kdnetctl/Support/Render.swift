import Foundation
import KDNetKit

/// Shared human rendering of the probes' and firewall's verdicts.
enum Render {
    /// Causes and fixes name interfaces, processes and rules read from the system.
    static func verdict(_ v: CheckVerdict, _ cause: String, _ fix: String?) {
        let style: Console.Style = v == .pass ? .green : v == .warn ? .yellow : .red
        Console.out("\(Console.paint(v.rawValue, style)): \(TerminalText.escaped(cause))")
        if let fix { Console.out("fix: \(TerminalText.escaped(fix))") }
    }

    static func ms(_ v: Double) -> String { String(format: "%.2f ms", v) }
    static func percent(_ v: Double) -> String { String(format: "%.0f%%", v) }
}
