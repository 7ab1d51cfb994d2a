import Foundation
import ArgumentParser
import KDNetKit

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
            Console.usageError(oneLine(message), json: CommandLine.arguments.dropFirst().contains("--json"))
            Foundation.exit(ExitCode.validationFailure.rawValue)
        }
    }

    /// ArgumentParser reports a value our parser refused as "The value 'V' is invalid
    /// for '--opt <name>': why". Our reason already names the fix, so the line becomes
    /// "--opt V: why"; a key's value is left out, because a mistyped key is still
    /// most of a secret. Other parser messages get a pointer to --help.
    static func oneLine(_ message: String) -> String {
        let pattern = /^The value '(?<value>.*)' is invalid for '(?<option>-[^ ']+)[^']*'(: (?<reason>.+))?$/
        guard let match = message.wholeMatch(of: pattern) else {
            // Our own messages already say "problem; fix"; ArgumentParser's name only the problem.
            return message.contains("; ") ? message : message + "; run with --help to see the options"
        }
        guard let reason = match.reason else {
            return "\(match.option) \(match.value) is not a value it takes; run with --help to see the options"
        }
        let option = String(match.option)
        // A key's value stays out; so does any value the reason already quotes.
        let quiet = option.hasSuffix("key") || reason.contains(match.value)
        return quiet ? "\(option): \(reason)" : "\(option) \(match.value): \(reason)"
    }
}

extension ValidationError {
    /// A flag combination refused in `validate()`, with the library's own message.
    init(_ error: any Error) {
        self.init(Console.describe(error))
    }
}
