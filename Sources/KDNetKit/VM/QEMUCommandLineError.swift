import Foundation

/// Why a QEMU command line could not be read.
public enum QEMUCommandLineError: Error, Equatable, LocalizedError {
    case empty
    case notQEMU(String)
    case missingValue(String)
    case badJSON(option: String, text: String)

    public var errorDescription: String? {
        switch self {
        case .empty:
            return "the QEMU command line is empty; give the contents of /proc/PID/cmdline of a running qemu-system process"
        case .notQEMU(let argv0):
            return "'\(argv0)' is not a QEMU binary; give /proc/PID/cmdline of a qemu-system-x86_64 (or kvm) process"
        case .missingValue(let option):
            return "QEMU option \(option) has no value (the command line is cut short); read /proc/PID/cmdline whole, NUL separators included"
        case .badJSON(let option, let text):
            return "QEMU option \(option) holds JSON that does not parse: \(text.prefix(60)); read /proc/PID/cmdline whole, NUL separators included"
        }
    }
}
