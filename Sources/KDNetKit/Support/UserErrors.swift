import Foundation

/// An error whose message is already written for the user.
public struct UserFacingError: Error, Sendable, CustomStringConvertible, LocalizedErrorConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
    public var errorDescription: String? { message }
}

/// Lets `UserFacingError` be a `LocalizedError` without importing Foundation everywhere.
public typealias LocalizedErrorConvertible = LocalizedError
