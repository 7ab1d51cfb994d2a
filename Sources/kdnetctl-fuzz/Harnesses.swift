import Foundation
import KDNetKit

/// The parsers exposed to hostile input, one harness each. Every harness must return
/// normally for any input: a crash, trap or sanitizer report is a bug.
enum Harness: String, CaseIterable {
    case datagram, kdpacket, key

    private static let keys = KDNetKeys(key: DebugKey(parts: [0x1234_5678_9ABC, 0x2345_6789_ABCD, 0x3456_789A_BCDE, 0x4567_89AB_CDEF]))

    func run(_ bytes: [UInt8]) {
        switch self {
        case .datagram:
            _ = try? DatagramEnvelope.peek(bytes)
            _ = Self.keys.controlCipher.authenticates(bytes)
            // Also feed inputs that pass the cheap checks, so the parsers behind them are reached.
            let sealed = Self.keys.controlCipher.seal(KDNetDatagram(version: 4, channel: .control, sequence: 1, direction: .targetToHost, payload: bytes))
            if let d = try? Self.keys.controlCipher.open(sealed) { _ = try? ControlMessage(payload: d.payload) }
            _ = ConnectionCheck(payload: bytes)
        case .kdpacket:
            if let p = try? KDPacket(bytes: bytes) {
                _ = try? ManipulateState(data: p.data)
                _ = try? StateChange(data: p.data)
                _ = try? DebugIO(data: p.data)
            }
            _ = try? ManipulateState(data: bytes).union.withUnsafeBufferPointer { try KernelVersion(union: Array($0)) }
            _ = try? StateChange(data: bytes)
            _ = try? DebugIO(data: bytes)
        case .key:
            _ = try? DebugKey(parsing: String(decoding: bytes, as: UTF8.self))
        }
    }

    /// Chosen by KDNET_FUZZ_TARGET, since libFuzzer runs one entry point per binary.
    static var selected: Harness {
        let name = ProcessInfo.processInfo.environment["KDNET_FUZZ_TARGET"] ?? "datagram"
        guard let h = Harness(rawValue: name) else {
            FileHandle.standardError.write(Data("unknown KDNET_FUZZ_TARGET \(name); one of \(allCases.map(\.rawValue))\n".utf8))
            exit(64)
        }
        return h
    }
}

#if KDNET_LIBFUZZER
/// libFuzzer's own entry point, for when its `main` is the one linked.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    Harness.selected.run(data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? [])
    return 0
}
#endif
