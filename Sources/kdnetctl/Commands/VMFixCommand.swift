import ArgumentParser
import Foundation
import KDNetKit

struct VMFixCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "fix", abstract: "Change a VM so KDNET works in it (a dry run unless --apply).")
    @Argument var vm: String?
    func run() async throws { throw ExitCode(1) }
}
