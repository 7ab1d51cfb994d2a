import ArgumentParser

/// A subcommand that does its work in `execute()`; the one `run()` here applies the
/// tool's error policy to it, so no command can forget it: an error becomes one line
/// on stderr (and the `{"error": ...}` document under `--json`), exit 64 for a
/// `ValidationError` (a flag's value or combination) and 1 for anything else.
protocol KdnetctlCommand: AsyncParsableCommand {
    var output: OutputOptions { get }
    /// Whether the output is JSON; a command with its own way to ask for it says so.
    var writesJSON: Bool { get }
    func execute() async throws
}

extension KdnetctlCommand {
    var writesJSON: Bool { output.json }

    func run() async throws {
        try await Console.run(json: writesJSON) { try await execute() }
    }
}

extension ValidationError {
    /// A flag's value or combination refused with the library's own message.
    init(_ error: any Error) {
        self.init(Console.describe(error))
    }

    /// Runs `body` on values that all came from this command's flags or arguments: what
    /// the library refuses is a usage error (64) with its own message. The same refusal
    /// of a value read from a file stays the runtime error (1) it is.
    static func fromFlags<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let error as ValidationError { throw error } catch { throw ValidationError(error) }
    }

    /// Runs `body`, which checks flag values among other work: the library's refusals of
    /// the kinds named (those it throws for a flag's value) are usage errors (64);
    /// anything else, such as a file or a socket that fails, stays a runtime error (1).
    static func fromFlags<T>(refusing kinds: [any Error.Type], _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch {
            let kind = ObjectIdentifier(type(of: error))
            guard kinds.contains(where: { ObjectIdentifier($0) == kind }) else { throw error }
            throw ValidationError(error)
        }
    }
}
