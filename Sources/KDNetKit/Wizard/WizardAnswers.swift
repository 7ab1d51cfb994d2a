import Foundation
import Yams

/// Answers for a non-interactive run, from `--answers FILE` (YAML or JSON, which YAML
/// reads too): a flat mapping from question id to answer. `host_ip` and `host-ip` are
/// the same key.
public enum WizardAnswers {
    public static func load(_ path: String) throws -> [String: String] {
        guard let data = FileManager.default.contents(atPath: path) else { throw WizardAnswersError.unreadable(path) }
        return try parse(String(decoding: data, as: UTF8.self), source: path)
    }

    public static func parse(_ text: String, source: String) throws -> [String: String] {
        let root: Node?
        do { root = try Yams.compose(yaml: text) } catch { throw WizardAnswersError.malformed(source) }
        guard let mapping = root?.mapping else { throw WizardAnswersError.notAMapping(source) }
        var answers: [String: String] = [:]
        for (k, v) in mapping {
            guard let key = k.string else { throw WizardAnswersError.notAMapping(source) }
            let id = normalise(key)
            guard questionIDs.contains(id) else { throw WizardAnswersError.unknownQuestion(source, key) }
            if let s = v.scalar {
                answers[id] = s.string
            } else if let seq = v.sequence, seq.allSatisfy({ $0.scalar != nil }) {
                // Lists (ids) are given as YAML sequences or as comma-separated text.
                answers[id] = seq.compactMap { $0.scalar?.string }.joined(separator: ",")
            } else {
                throw WizardAnswersError.notScalar(source, key)
            }
        }
        return answers
    }

    /// Every question the flow may ask; an answer for anything else is a typo.
    public static let questionIDs: Set<String> = [
        "target", "vm", "vm-fix", "debugger", "family", "host-ip", "port", "windows", "nic-source", "pci-dump", "ids", "nic", "busparams",
        "key", "proceed-precautions", "proceed-checks", "connect", "on-failure",
    ]

    public static func normalise(_ key: String) -> String {
        key.trimmingCharacters(in: .whitespaces).lowercased().replacingOccurrences(of: "_", with: "-")
    }
}

public enum WizardAnswersError: Error, LocalizedError, Sendable, UsageProblem {
    case unreadable(String)
    case malformed(String)
    case notAMapping(String)
    case notScalar(String, String)
    case unknownQuestion(String, String)

    public var errorDescription: String? {
        switch self {
        case .unreadable(let p): return "cannot read --answers \(p); give a YAML or JSON file of answers (e.g. port: 50001)"
        case .malformed(let p): return "--answers \(p) is neither YAML nor JSON; write one answer per line, e.g. port: 50001"
        case .notAMapping(let p): return "--answers \(p) must map question names to answers, e.g. host-ip: 192.168.1.10"
        case .notScalar(let p, let k): return "--answers \(p): '\(k)' must be a single value or a list of values"
        case .unknownQuestion(let p, let k):
            return "--answers \(p): '\(k)' is not a question of the wizard; use one of \(WizardAnswers.questionIDs.sorted().joined(separator: ", "))"
        }
    }
}
