import Foundation
import KDNetKit

/// `kdnetctl inspect` over a large capture the benchmark writes itself: several targets
/// with their own keys, reboots (new sessions), and a stranger whose datagrams fail
/// authentication. Goals: at least 300,000 datagrams/s on one core, and memory flat in
/// the capture's size (a capture four times larger must not need more memory).
enum InspectBenchmark {
    struct Capture { var url: URL; var datagrams: Int; var keys: [DebugKey] }

    static func keyFor(_ i: Int) -> DebugKey {
        DebugKey(parts: (0..<4).map { UInt64(0x1_0000_0000_0000) &* UInt64(i + 3) &+ UInt64($0) &* 0x9E37_79B9_7F4A_7C15 })
    }

    /// Writes `total` datagrams: 4 targets, each rebooting every 100,000 datagrams, and
    /// one datagram in 20 from a target whose key nobody was given.
    static func writeCapture(total: Int, to url: URL) throws -> Capture {
        let writer = try PcapWriter(url: url, linkType: .ethernet)
        let host = UDPEndpoint("192.0.2.1", port: 50000)!
        let keys = (0..<4).map(keyFor)
        let stranger = KDNetKeys(key: keyFor(99))
        struct Target { var keys: KDNetKeys; var endpoint: UDPEndpoint; var data: DatagramCipher?; var seq: [UInt64] = [1, 1]; var sinceBoot = 0 }
        var targets = keys.enumerated().map { i, k in Target(keys: KDNetKeys(key: k), endpoint: UDPEndpoint("192.0.2.\(10 + i)", port: 50000 + UInt16(i))!) }
        var written = 0
        var time = 1_700_000_000.0
        func emit(_ bytes: [UInt8], _ from: UDPEndpoint, _ to: UDPEndpoint) throws {
            time += 0.000_01
            try writer.append(FrameBuilder.udp(bytes, from: from, to: to, link: .ethernet), time: time)
            written += 1
        }
        let payloads = (0..<8).map { i in DebugIO.printString("benchmark line \(i): " + String(repeating: "x", count: 40 + 150 * i) + "\n") }
        var round = 0
        while written < total {
            round += 1
            for t in targets.indices where written < total {
                if targets[t].data == nil || targets[t].sinceBoot >= 100_000 {
                    // A (re)boot: poke, then the host's response; the data key comes from it.
                    let pokeBody = Poke(clientKey: SecureRandom.bytes(32), target: KDNetEndpoint(targets[t].endpoint.endpoint),
                                        host: KDNetEndpoint(host.endpoint)).encoded()
                    let control = targets[t].keys.controlCipher
                    try emit(control.seal(KDNetDatagram(version: 4, channel: .control, sequence: UInt64(round), direction: .targetToHost, payload: pokeBody)), targets[t].endpoint, host)
                    let response = ControlResponse(clientKey: Array(pokeBody[2..<34]), hostRandom: SecureRandom.bytes(32)).encoded()
                    try emit(control.seal(KDNetDatagram(version: 4, channel: .control, sequence: UInt64(round), direction: .hostToTarget, payload: response)), host, targets[t].endpoint)
                    targets[t].data = targets[t].keys.dataCipher(dataKey: targets[t].keys.dataKey(responseBody: response))
                    targets[t].seq = [1, 1]
                    targets[t].sinceBoot = 0
                }
                let kd = KDPacket(leader: .data, type: .debugIO, id: UInt32(truncatingIfNeeded: targets[t].seq[0] * 2), data: payloads[written % payloads.count]).encoded()
                try emit(targets[t].data!.seal(KDNetDatagram(version: 4, channel: .data, sequence: targets[t].seq[0], direction: .targetToHost, payload: kd)), targets[t].endpoint, host)
                targets[t].seq[0] += 1
                targets[t].sinceBoot += 1
                if written % 20 == 0 {
                    try emit(stranger.controlCipher.seal(KDNetDatagram(version: 4, channel: .control, sequence: UInt64(written), direction: .targetToHost, payload: pokeBodyFiller)), UDPEndpoint("192.0.2.99", port: 50099)!, host)
                }
            }
        }
        try writer.close()
        return Capture(url: url, datagrams: written, keys: keys)
    }

    static let pokeBodyFiller = [UInt8](repeating: 1, count: Poke.bodyLength)

    static func run(codecFigures: [Figure]) throws -> [Figure] {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kdnetctl-bench-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        print("writing captures…")
        let big = try writeCapture(total: 1_000_000, to: dir.appendingPathComponent("big.pcap"))
        let small = try writeCapture(total: 250_000, to: dir.appendingPathComponent("small.pcap"))
        func inspect(_ c: Capture, _ extra: [String] = []) -> SpawnResult {
            let r = Spawn.run(Spawn.kdnetctl, ["inspect", c.url.path] + c.keys.flatMap { ["--key", $0.text] } + extra)
            // Exit 1 is expected: the stranger's datagrams fail authentication.
            precondition(r.status == 1, "kdnetctl inspect exited \(r.status)")
            return r
        }
        // Best of three: the least disturbed run.
        let summary = (0..<3).map { _ in inspect(big) }.min { $0.cpuSeconds < $1.cpuSeconds }!
        let smallRun = (0..<3).map { _ in inspect(small) }.min { $0.cpuSeconds < $1.cpuSeconds }!
        let json = inspect(big, ["--json"])
        let rate = Double(big.datagrams) / summary.cpuSeconds
        let jsonRate = Double(big.datagrams) / json.cpuSeconds
        let memoryGrowth = Double(summary.peakRSSKiB) / Double(max(1, smallRun.peakRSSKiB))
        let codec64 = codecFigures.first { $0.name == "codec open 64 B" }?.value
        print("inspect: \(big.datagrams) datagrams in \(String(format: "%.2f", summary.cpuSeconds)) s CPU = \(Measure.format(rate)) datagrams/s; peak \(summary.peakRSSKiB / 1024) MiB")
        print("inspect --json: \(Measure.format(jsonRate)) datagrams/s; peak \(json.peakRSSKiB / 1024) MiB")
        print("inspect: \(small.datagrams) datagrams peak \(smallRun.peakRSSKiB / 1024) MiB; 4x the capture needs \(String(format: "%.2f", memoryGrowth))x the memory")
        if let codec64 { print("inspect rate / codec open rate (64 B): \(String(format: "%.2f", rate / codec64))") }
        return [
            Figure(name: "inspect 1M datagrams", value: rate, unit: "datagrams/s (one core)", goal: ">= 300000", met: rate >= 300_000),
            Figure(name: "inspect memory, 4x capture", value: memoryGrowth, unit: "x peak RSS", goal: "<= 1.2x (flat)", met: memoryGrowth <= 1.2),
            Figure(name: "inspect --json 1M datagrams", value: jsonRate, unit: "datagrams/s", goal: "-", met: true),
        ]
    }
}
