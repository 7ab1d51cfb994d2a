import Foundation
import Yams

/// Answers for a non-interactive run, from `--answers FILE` (YAML or JSON, which YAML
/// reads too): a flat mapping from question id to answer. `host_ip` and `host-ip` are
/// the same key.
public struct WizardAnswers: Sendable, Equatable {
    /// Answers by question id.
    public var values: [String: String] = [:]
    /// Where each answer was given, for messages.
    public var origins: [String: PresetOrigin] = [:]

    public init() {}

    /// Sets an answer; a flag given after the file wins over it.
    public mutating func set(_ id: String, _ value: String, from origin: PresetOrigin = .flag) {
        values[id] = value
        origins[id] = origin
    }

    public static func load(_ path: String) throws -> WizardAnswers {
        guard let data = FileManager.default.contents(atPath: path) else { throw WizardAnswersError.unreadable(path) }
        return try parse(String(decoding: data, as: UTF8.self), source: path)
    }

    public static func parse(_ text: String, source: String) throws -> WizardAnswers {
        let root: Node?
        do { root = try Yams.compose(yaml: text) } catch { throw WizardAnswersError.malformed(source) }
        guard let mapping = root?.mapping else { throw WizardAnswersError.notAMapping(source) }
        var answers = WizardAnswers()
        for (k, v) in mapping {
            guard let key = k.string else { throw WizardAnswersError.notAMapping(source) }
            let id = normalise(key)
            guard questionIDs.contains(id) else { throw WizardAnswersError.unknownQuestion(source, key) }
            let origin = PresetOrigin.answersFile(path: source, key: key)
            if let s = v.scalar {
                answers.set(id, s.string, from: origin)
            } else if let seq = v.sequence, seq.allSatisfy({ $0.scalar != nil }) {
                // Lists (ids) are given as YAML sequences or as comma-separated text.
                answers.set(id, seq.compactMap { $0.scalar?.string }.joined(separator: ","), from: origin)
            } else {
                throw WizardAnswersError.notScalar(source, key)
            }
        }
        return answers
    }

    /// Every question the flow may ask; an answer for anything else is a typo.
    public static let questionIDs: Set<String> = flagIDs.union(fileOnlyIDs)

    /// Questions a flag of the same name answers too, with the same values.
    public static let flagIDs: Set<String> = [
        "target", "vm", "vm-fix", "debugger", "family", "host-ip", "port", "windows", "nic-source", "pci-dump", "ids", "nic", "busparams", "key",
    ]

    /// Questions only an answers file answers (`--no-connect` is `connect: skip`); the
    /// `--connect` flag is libvirt's URI, not this question.
    public static let fileOnlyIDs: Set<String> = ["proceed-precautions", "proceed-checks", "connect", "on-failure", "lab-service"]

    /// The wizard's flags that set how it runs rather than answer a question: no answers key.
    public static let flagsWithoutKey: Set<String> = [
        "out", "answers", "non-interactive", "simulated-target", "simulated-key", "target-side", "timeout", "plan", "include-virtual", "pci-ids", "json",
    ]

    /// How a user gives the answer to a question, for messages.
    public static func howToGive(_ id: String) -> String {
        flagIDs.contains(id) ? "--\(id) (or \(id): in the --answers file)" : "\(id): in the --answers file"
    }

    public static func normalise(_ key: String) -> String {
        key.trimmingCharacters(in: .whitespaces).lowercased().replacingOccurrences(of: "_", with: "-")
    }
}

public enum WizardAnswersError: Error, LocalizedError, Sendable {
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
        case .unknownQuestion(let p, let k) where WizardAnswers.flagsWithoutKey.contains(WizardAnswers.normalise(k)):
            return "--answers \(p): '\(k)' is not a question but a setting of the run, which only a flag gives; use --\(WizardAnswers.normalise(k))"
        case .unknownQuestion(let p, let k):
            return "--answers \(p): '\(k)' is not a question of the wizard; use one of \(WizardAnswers.questionIDs.sorted().joined(separator: ", "))"
        }
    }
}
