import Foundation

/// One option of a multiple-choice question.
public struct Choice: Sendable, Equatable, Codable {
    /// What is recorded and what `--answers` / a flag gives.
    public var value: String
    public var label: String
    /// A second line: why it is recommended, what it implies.
    public var detail: String?

    public init(_ value: String, _ label: String, detail: String? = nil) {
        self.value = value; self.label = label; self.detail = detail
    }
}

/// A question the flow needs answered. Renderers show it however suits them (arrow-key
/// list, numbered prompt, or a preset answer) and hand back text that `check` accepts.
public struct Question: Sendable {
    /// Stable name: the key in `--answers` and the flag (`--<id>`) that presets it.
    public var id: String
    public var step: WizardStep
    public var prompt: String
    /// Lines shown before the question: what it is for and what was found.
    public var help: [String]
    /// Empty for a free-text question.
    public var choices: [Choice]
    /// Whether text other than a choice's value is accepted (shown as "type another").
    public var allowsOther: Bool
    /// Taken on Enter, and by a non-interactive run that has no answer for it.
    public var defaultValue: String?
    /// Returns the normalised answer, or throws `InvalidAnswer` with a message naming the fix.
    public var check: @Sendable (String) throws(InvalidAnswer) -> String
    /// Values that are choices in another mode but not in this one, with why, so refusing
    /// one says more than "not one of".
    public var elsewhere: [String: String]

    public init(id: String, step: WizardStep, prompt: String, help: [String] = [], choices: [Choice] = [],
                allowsOther: Bool = false, defaultValue: String? = nil, elsewhere: [String: String] = [:],
                check: @escaping @Sendable (String) throws(InvalidAnswer) -> String = { $0 }) {
        self.id = id; self.step = step; self.prompt = prompt; self.help = help; self.choices = choices
        self.allowsOther = allowsOther; self.defaultValue = defaultValue; self.elsewhere = elsewhere
        self.check = check
    }

    public var isChoice: Bool { !choices.isEmpty }

    /// Validates an answer: a choice's value (or its 1-based number), or free text where allowed.
    public func validate(_ raw: String) throws(InvalidAnswer) -> String {
        let text = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        if text.isEmpty && defaultValue == nil { throw InvalidAnswer("an answer is needed: \(prompt)") }
        if isChoice {
            if let c = choices.first(where: { $0.value.caseInsensitiveCompare(text) == .orderedSame }) { return try check(c.value) }
            if !allowsOther, let n = Int(text), choices.indices.contains(n - 1) { return try check(choices[n - 1].value) }
            guard allowsOther else {
                let why = elsewhere.first { $0.key.caseInsensitiveCompare(text) == .orderedSame }.map { ": \($0.value)" } ?? ""
                throw InvalidAnswer("'\(text)' is not one of \(choices.map(\.value).joined(separator: ", "))\(why)")
            }
        }
        return try check(text)
    }
}

/// Why an answer was refused; the renderer shows it and asks again, or a
/// non-interactive run stops with it.
public struct InvalidAnswer: Error, Sendable, Equatable, LocalizedError {
    public let message: String
    public init(_ message: String) { self.message = message }
    /// Takes the message of a domain error (they are written for the user already).
    public init(_ error: any Error) { message = (error as? LocalizedError)?.errorDescription ?? "\(error)" }
    public var errorDescription: String? { message }
}

/// Where a preset answer came from, so a refusal names it as the user gave it.
public enum PresetOrigin: Sendable, Equatable {
    case flag
    /// An `--answers` file, with the key as the file spells it (`host_ip` or `host-ip`)
    /// and its line.
    case answersFile(path: String, key: String, line: Int)
}

/// A preset answer (flag or `--answers`) that does not pass its question's check: a usage
/// error (64) from a flag, a runtime failure (1) from the file, as any value read from a file.
public struct PresetAnswerError: Error, Sendable, LocalizedError {
    public let id: String
    public let message: String
    public let origin: PresetOrigin
    public init(id: String, message: String, origin: PresetOrigin = .flag) { self.id = id; self.message = message; self.origin = origin }
    public var fromFile: Bool { origin != .flag }
    public var errorDescription: String? {
        switch origin {
        case .answersFile(let path, let key, let line): return "--answers \(path) line \(line): \(key): \(message)"
        case .flag: return WizardAnswers.flagIDs.contains(id) ? "--\(id): \(message)" : "\(id): \(message)"
        }
    }
}

/// A non-interactive run reached a question with neither an answer nor a default.
public struct MissingAnswerError: Error, Sendable, LocalizedError {
    public let id: String
    public let prompt: String
    public init(id: String, prompt: String) { self.id = id; self.prompt = prompt }
    public var errorDescription: String? {
        "no answer for '\(prompt)'; give \(WizardAnswers.howToGive(id)), or run the wizard on a terminal"
    }
}

/// The user chose to stop.
public struct WizardStopped: Error, Sendable, LocalizedError {
    public let step: WizardStep
    /// Where the files went, when they were written before stopping.
    public let writtenTo: String?
    public init(step: WizardStep, writtenTo: String? = nil) { self.step = step; self.writtenTo = writtenTo }
    public var errorDescription: String? {
        "stopped at step \(step.number) (\(step.title)); "
            + (writtenTo.map { "the set-up in \($0) is complete. " } ?? "nothing was written. ")
            + "Run `kdnetctl wizard` again when ready"
    }
}

/// Ctrl-C while waiting for the target: the files are complete, the wait is not.
public struct WaitInterrupted: Error, Sendable, LocalizedError {
    public init() {}
    public var errorDescription: String? { "stopped while waiting for the target" }
}
