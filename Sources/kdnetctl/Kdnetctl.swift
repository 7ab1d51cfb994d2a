import Foundation
import ArgumentParser
import KDNetKit

/// Every command here and below names itself (`commandName:`). Without one,
/// argument-parser derives the name with `String(describing:)` on the type, which asks
/// the runtime for three protocol conformances per command; with the runtime linked in,
/// each such question scans every conformance record in the binary, and those scans
/// were most of start-up (`kdnetctl-bench startup`).
@main
struct Kdnetctl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kdnetctl",
        abstract: "Set up and troubleshoot Windows network kernel debugging (KDNET) from Linux.",
        discussion: """
            kdnetctl does each step of the manual KDNET set-up for you: keys, bcdedit \
            commands, the target's NIC against Microsoft's supported lists, the host's \
            address, firewall and reachability checks, and a listener that proves the \
            target connects with the right key. Every command takes --json.

            Exit codes: 0 success, 1 a problem found or a runtime failure, 64 a usage error.
            """,
        version: KDNetKitInfo.version,
        subcommands: [
            KeyCommand.self,
            BcdeditCommand.self,
            PlanCommand.self,
            DbgsettingsCommand.self,
            NicsCommand.self,
            HostCommand.self,
            WizardCommand.self,
            PingCommand.self,
            ProbeCommand.self,
            FirewallCommand.self,
            InspectCommand.self,
            ListenCommand.self,
            SimulateTargetCommand.self,
            ServeCommand.self,
            DoctorCommand.self,
            VMCommand.self,
        ]
    )

    /// ArgumentParser's own usage errors are several lines (message, usage, hint); the
    /// tool's rule is one line naming the problem and the fix, and exit 64.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            if error is ExitCode || error is CleanExit || exitCode(for: error) != .validationFailure {
                exit(withError: error)
            }
            let message = Kdnetctl.message(for: error).split(separator: "\n").first.map(String.init) ?? "invalid arguments"
            Console.report(oneLine(message), json: asksForJSON(Array(CommandLine.arguments.dropFirst())))
            Foundation.exit(ExitCode.validationFailure.rawValue)
        }
    }

    /// Whether the command line asks for JSON (`--json`, or bcdedit's `--format json`),
    /// read from the words because parsing it failed.
    static func asksForJSON(_ arguments: [String]) -> Bool {
        arguments.contains("--json") || arguments.contains("--format=json")
            || zip(arguments, arguments.dropFirst()).contains { $0 == "--format" && $1.lowercased() == "json" }
    }

    /// ArgumentParser reports a value our parser refused as "The value 'V' is invalid
    /// for '--opt <name>': why" (a `transform:`), or without the why (a `TypedArgument`,
    /// whose reason `ArgumentRefusal` kept). Our reason already names the fix, so the
    /// line becomes "--opt V: why" (just the why for a positional argument); a key's value is left out, because a mistyped key
    /// is still most of a secret. ArgumentParser's own messages get a pointer to --help.
    static func oneLine(_ message: String) -> String {
        let pattern = /^The value '(?<value>.*)' is invalid for '(?<option>-[^ ']+|<[^>']+>)[^']*'(?<rest>.*)$/
        guard let match = message.wholeMatch(of: pattern) else {
            // Ours (from validate()) are lower-case "problem; fix" lines; ArgumentParser's are sentences.
            return message.first?.isUppercase == true ? message + "; run with --help to see the options" : message
        }
        let value = String(match.value)
        let reason = match.rest.hasPrefix(": ") ? String(match.rest.dropFirst(2)) : ArgumentRefusal.reason(for: value)
        guard let reason else {
            return "\(match.option) \(value) is not a value it takes; run with --help to see the options"
        }
        let option = String(match.option)
        // A positional argument has no flag to name: its value is the subject.
        if option.hasPrefix("<") { return reason.contains(value) ? reason : "\(value): \(reason)" }
        // A key's value stays out; so does any value the reason already quotes.
        let quiet = option.hasSuffix("key") || reason.contains(value)
        return quiet ? "\(option): \(reason)" : "\(option) \(value): \(reason)"
    }
}
