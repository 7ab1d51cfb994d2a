import ArgumentParser
import KDNetKit

struct KeyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "key",
        abstract: "Generate or check a KDNET key (four base-36 numbers separated by dots).",
        subcommands: [Generate.self, Check.self]
    )

    struct Generate: KdnetctlCommand {
        static let configuration = CommandConfiguration(
            commandName: "generate",
            abstract: "Generate a random 256-bit key with libsodium's CSPRNG."
        )
        @OptionGroup var output: OutputOptions

        func execute() async throws {
            let report = KeyReport(key: .generate())
            if output.json { try Console.json(report) } else { Console.out(report.key ?? "") }
        }
    }

    struct Check: KdnetctlCommand {
        static let configuration = CommandConfiguration(
            commandName: "check",
            abstract: "Check a key: valid or not, its normal form, its 32 bytes, and whether it looks hand-typed.",
            discussion: "Exits 1 when the key is not valid."
        )
        @Argument(help: "The key, e.g. 2steg4fzbj2sz.23418vzkd4ko3.1g34ou07z4pev.1sp3yo9yz874p.")
        var key: String
        @OptionGroup var output: OutputOptions

        func execute() async throws {
            let report = KeyReport.check(key)
            if output.json {
                // The report is the document, its "error" included.
                try Console.json(report)
                if !report.valid { throw ExitCode(1) }
                return
            }
            guard report.valid else { throw UserFacingError("invalid key: " + (report.error ?? "")) }
            Console.out("\(Console.paint("valid", .green)): \(report.key ?? "")")
            Console.out("bytes: \(report.bytes ?? "")")
            if report.weak == true { Console.err(Console.paint("warning:", .yellow, stderr: true) + " " + KeyReport.weakWarning) }
        }
    }
}
