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

    /// An answers file is a few lines; anything far larger is the wrong file.
    public static let sizeLimit = 1 << 20

    /// Reads the file as every text input is read (bounded, UTF-8 or UTF-16 with a BOM,
    /// refused with the `iconv` line otherwise). A file that gives the key holds a secret,
    /// so then it is refused as a key file is when others can get at it.
    public static func load(_ path: String) throws -> WizardAnswers {
        let (text, access) = try TextInput.readWithAccess(path: path, expecting: "a YAML or JSON file of answers (e.g. port: 50001)",
                                                          limit: sizeLimit)
        let answers = try parse(text, source: path)
        if answers.values["key"] != nil, let access,
           let problem = SecretFile.problem(access, path: path, holding: "the key") { throw problem }
        return answers
    }

    public static func parse(_ text: String, source: String) throws -> WizardAnswers {
        let root: Node?
        do { root = try Yams.compose(yaml: text) } catch let error as YamlError {
            if case .duplicatedKeysInMapping(let keys, let context) = error, let key = keys.first {
                throw WizardAnswersError.duplicate(source, key, line: repeatedLine(of: key, in: text) ?? context.mark.line)
            }
            throw WizardAnswersError.malformed(source, line: line(of: error), Self.problem(of: error))
        } catch {
            throw WizardAnswersError.malformed(source, line: nil, nil)
        }
        guard let mapping = root?.mapping else { throw WizardAnswersError.notAMapping(source) }
        var answers = WizardAnswers()
        for (k, v) in mapping {
            let line = k.mark?.line ?? 0
            guard let key = k.string else { throw WizardAnswersError.notAMapping(source) }
            let id = normalise(key)
            guard questionIDs.contains(id) else { throw WizardAnswersError.unknownQuestion(source, key, line: line) }
            // host_ip and host-ip are the same question: given twice, one would silently win.
            if case .answersFile(_, let first, let firstLine)? = answers.origins[id] {
                throw WizardAnswersError.sameQuestion(source, key, line: line, first: first, firstLine: firstLine)
            }
            let origin = PresetOrigin.answersFile(path: source, key: key, line: line)
            if let s = v.scalar {
                answers.set(id, s.string, from: origin)
            } else if let seq = v.sequence, seq.allSatisfy({ $0.scalar != nil }) {
                // Lists (ids) are given as YAML sequences or as comma-separated text.
                answers.set(id, seq.compactMap { $0.scalar?.string }.joined(separator: ","), from: origin)
            } else {
                throw WizardAnswersError.notScalar(source, key, line: line)
            }
        }
        return answers
    }

    /// The line where `key` is given the second time (Yams names the first).
    static func repeatedLine(of key: String, in text: String) -> Int? {
        let escaped = NSRegularExpression.escapedPattern(for: key)
        guard let pattern = try? NSRegularExpression(pattern: "(^|[\\s{,])[\"']?\(escaped)[\"']?\\s*:") else { return nil }
        var seen = 0
        for (i, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let s = String(line)
            seen += pattern.numberOfMatches(in: s, range: NSRange(s.startIndex..., in: s))
            if seen >= 2 { return i + 1 }
        }
        return nil
    }

    static func line(of error: YamlError) -> Int? {
        switch error {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _): return mark.line
        default: return nil
        }
    }

    static func problem(of error: YamlError) -> String? {
        switch error {
        case .scanner(_, let problem, _, _), .parser(_, let problem, _, _), .composer(_, let problem, _, _): return problem
        default: return nil
        }
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

public enum WizardAnswersError: Error, LocalizedError, Sendable, Equatable {
    case malformed(String, line: Int?, String?)
    case notAMapping(String)
    case notScalar(String, String, line: Int)
    case unknownQuestion(String, String, line: Int)
    case duplicate(String, String, line: Int)
    /// Two spellings of one question (`host_ip` and `host-ip`).
    case sameQuestion(String, String, line: Int, first: String, firstLine: Int)

    public var errorDescription: String? {
        switch self {
        case .malformed(let p, let line?, let problem):
            return "--answers \(p) is neither YAML nor JSON (line \(line)\(problem.map { ": \($0)" } ?? "")); write one answer per line, e.g. port: 50001"
        case .malformed(let p, nil, _): return "--answers \(p) is neither YAML nor JSON; write one answer per line, e.g. port: 50001"
        case .notAMapping(let p): return "--answers \(p) must map question names to answers, e.g. host-ip: 192.168.1.10"
        case .notScalar(let p, let k, let line): return "--answers \(p) line \(line): '\(k)' must be a single value or a list of values"
        case .duplicate(let p, let k, let line):
            return "--answers \(p): duplicate key '\(k)' on line \(line); give each answer once"
        case .sameQuestion(let p, let k, let line, let first, let firstLine):
            return "--answers \(p): duplicate key '\(k)' on line \(line) (it is the same question as '\(first)' on line \(firstLine)); give each answer once"
        case .unknownQuestion(let p, let k, let line) where WizardAnswers.flagsWithoutKey.contains(WizardAnswers.normalise(k)):
            return "--answers \(p) line \(line): '\(k)' is not a question but a setting of the run, which only a flag gives; use --\(WizardAnswers.normalise(k))"
        case .unknownQuestion(let p, let k, let line):
            return "--answers \(p) line \(line): '\(k)' is not a question of the wizard; use one of \(WizardAnswers.questionIDs.sorted().joined(separator: ", "))"
        }
    }
}
