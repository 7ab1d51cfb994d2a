import Foundation
import KDNetKit

#if KDNET_LIBFUZZER
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt
#endif

/// Built with KDNET_LIBFUZZER (see Checks/check-fuzz.sh), this hands control to libFuzzer
/// with the harness KDNET_FUZZ_TARGET names. Built normally, it replays files (corpus
/// entries, past crashes) through that harness: `KDNET_FUZZ_TARGET=datagram kdnetctl-fuzz FILE...`,
/// which the tests use as a regression runner. It prints one line per file.
@main
struct FuzzMain {
    static func main() throws {
        #if KDNET_LIBFUZZER
        _ = Harness.selected
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv) { data, size in
            Harness.selected.run(data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? [])
            return 0
        })
        #else
        let args = CommandLine.arguments
        if args.count == 3, args[1] == "--flood-pool" {
            try FloodDatagrams.write(to: args[2], key: try DebugKey(parsing: ProcessInfo.processInfo.environment["KDNET_FLOOD_KEY"] ?? ""))
            return
        }
        let harness = Harness.selected
        for path in CommandLine.arguments.dropFirst() {
            let summary = harness.run(Array(try Data(contentsOf: URL(fileURLWithPath: path))))
            print("\(path): \(summary ?? "ok")")
        }
        #endif
    }
}
