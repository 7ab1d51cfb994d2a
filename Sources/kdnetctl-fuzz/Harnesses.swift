import Foundation
import KDNetKit

/// The parsers exposed to hostile input, one harness each. Every harness must return
/// normally for any input: a crash, trap or sanitizer report is a bug.
enum Harness: String, CaseIterable {
    case datagram, kdpacket, key, dbgsettings, inventory, pcap, session

    /// The keys of the committed vectors, so seeds taken from them get past authentication.
    static let keys = KDNetKeys(key: try! DebugKey(parsing: "1.1.1.1"))
    static let captureKeys = [ObserverKey(key: try! DebugKey(parsing: "8.8.8.8"), label: "windbg"),
                              ObserverKey(key: try! DebugKey(parsing: "1.1.1.1"), label: "libkdnet")]
    /// One file per process, rewritten for every input: libpcap reads only from files.
    static let capturePath = FileManager.default.temporaryDirectory
        .appendingPathComponent("kdnetctl-fuzz-\(getpid()).pcap").path

    /// Returns what the replayer reports for the input (only the conversation says anything).
    @discardableResult
    func run(_ bytes: [UInt8]) -> String? {
        switch self {
        case .datagram:
            _ = try? DatagramEnvelope.peek(bytes)
            _ = Self.keys.controlCipher.authenticates(bytes)
            _ = TrafficClassifier(keys: Self.keys).classify(bytes, from: KDNetEndpoint.zero.endpoint)
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
        case .dbgsettings:
            let settings = DbgSettings(parsing: String(decoding: bytes, as: UTF8.self))
            _ = DbgSettingsLint(settings, options: .init(expectedKey: Self.keysKey))
        case .inventory:
            let text = String(decoding: bytes, as: UTF8.self)
            _ = try? Inventory.parseCSV(text, source: "fuzz.csv")
            _ = try? Inventory.parseYAML(text, source: "fuzz.yaml")
        case .pcap:
            guard FileManager.default.createFile(atPath: Self.capturePath, contents: Data(bytes)) else { return nil }
            _ = try? CaptureInspector.inspect(file: Self.capturePath, keys: Self.captureKeys)
        case .session:
            var conversation = FuzzedConversation(keys: Self.keys)
            conversation.play(bytes)
            return conversation.summary
        }
        return nil
    }

    private static let keysKey = try! DebugKey(parsing: "1.1.1.1")

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
