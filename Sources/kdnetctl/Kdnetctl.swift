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
            Console.err(Console.paint("error:", .red, stderr: true) + " \(message); run with --help to see the options")
            Foundation.exit(ExitCode.validationFailure.rawValue)
        }
    }
}
