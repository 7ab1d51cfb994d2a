import Foundation

/// Marks errors caused by how the command was called (a bad flag value), which exit
/// with 64 (EX_USAGE) rather than 1.
public protocol UsageProblem: Error {}

/// An error whose message is already written for the user.
public struct UserFacingError: Error, Sendable, CustomStringConvertible, LocalizedErrorConvertible {
    public let message: String
    public let isUsage: Bool
    public init(_ message: String, usage: Bool = false) { self.message = message; self.isUsage = usage }
    public var description: String { message }
    public var errorDescription: String? { message }
}

/// Lets `UserFacingError` be a `LocalizedError` without importing Foundation everywhere.
public typealias LocalizedErrorConvertible = LocalizedError
