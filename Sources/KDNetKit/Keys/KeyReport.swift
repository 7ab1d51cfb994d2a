/// What `kdnetctl key generate` and `kdnetctl key check` report.
public struct KeyReport: Codable, Sendable, Equatable {
    public var key: String?
    public var valid: Bool
    public var bytes: String?
    public var weak: Bool?
    public var error: String?

    public init(key: DebugKey) {
        self.key = key.text
        self.valid = true
        self.bytes = key.bytes.hexString
        self.weak = key.isWeak
    }

    public init(invalid input: String, error: KeyError) {
        self.key = input
        self.valid = false
        self.error = error.errorDescription
    }

    /// Checks text typed or pasted by a user.
    public static func check(_ input: String) -> KeyReport {
        do { return KeyReport(key: try DebugKey(parsing: input)) } catch { return KeyReport(invalid: input, error: error) }
    }

    public static let weakWarning = "a part of this key is below 2^32, which suggests it was typed by hand (like the documentation's 1.2.3.4); anyone who guesses it can debug the target. Use `kdnetctl key generate`."
}
