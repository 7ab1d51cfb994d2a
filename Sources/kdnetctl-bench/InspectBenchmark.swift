import CCryptoFloor
import CSpawnPeak
import Foundation
import KDNetKit
import KDNetTestSupport

/// `kdnetctl inspect` against the crypto floor, on two captures the benchmark writes
/// itself. The floor is a bare C loop over the same datagrams that does only what no
/// decoder can skip, each datagram's AES-256-CBC decrypt and HMAC-SHA256, with
/// libcrypto contexts made once per key before the clock starts; it is measured two
/// ways (EVP's HMAC, and copied digest states) and the faster is the floor.
///
/// - `short sessions`: shaped like a lab's capture, many short sessions of small
///   datagrams: 314,000 datagrams, 1,500 sessions of 10 targets with one key, payloads
///   of about 80 bytes (DbgPrint from the target, acknowledgements from the host), and
///   2,000 datagrams from a target whose key nobody was given.
/// - `many targets`: 1,000,000 datagrams of 4 targets with their own keys, payloads of
///   60-1,100 bytes, a reboot every 100,000 datagrams, 1 datagram in 20 from a stranger.
///
/// Goals: the summary at 0.5x the floor or better, `--json` at 0.15x, on one core (CPU
/// seconds of the child, not wall time; every run on the CPU the benchmark started on),
/// and memory flat in the capture's size.
enum InspectBenchmark {
    /// A capture on disk, and every datagram in it with the key that opens it, for the floor.
    final class Capture {
        let url: URL
        var datagrams = 0
        var keys: [DebugKey] = []
        private let writer: PcapWriter
        private var time = 1_700_000_000.0
        /// Every datagram's key index, length and bytes, on disk beside the capture: held in
        /// memory they would count in the children's peak memory (Linux carries a parent's
        /// peak across the child's exec).
        private let floorFile: FileHandle
        private var floorBuffer: [UInt8] = []
        private(set) var floorKeys: [kdnet_floor_key] = []
        var floorURL: URL { url.appendingPathExtension("floor") }

        init(url: URL) throws {
            self.url = url
            writer = try PcapWriter(url: url, linkType: .ethernet)
            FileManager.default.createFile(atPath: url.path + ".floor", contents: nil)
            floorFile = try FileHandle(forWritingTo: url.appendingPathExtension("floor"))
        }

        /// The floor's index for this AES key with this HMAC key.
        func floorKey(aes: SecretBytes, hmac: SecretBytes) -> UInt32 {
            var key = kdnet_floor_key()
            withUnsafeMutableBytes(of: &key.aes) { out in aes.withUnsafeBytes { out.copyMemory(from: $0) } }
            withUnsafeMutableBytes(of: &key.hmac) { out in hmac.withUnsafeBytes { out.copyMemory(from: $0) } }
            floorKeys.append(key)
            return UInt32(floorKeys.count - 1)
        }

        func emit(_ bytes: [UInt8], key: UInt32, from: UDPEndpoint, to: UDPEndpoint) throws {
            time += 0.000_01
            try writer.append(FrameBuilder.udp(bytes, from: from, to: to, link: .ethernet), time: time)
            withUnsafeBytes(of: key.littleEndian) { floorBuffer += $0 }
            withUnsafeBytes(of: UInt32(bytes.count).littleEndian) { floorBuffer += $0 }
            floorBuffer += bytes
            if floorBuffer.count > 1 << 20 { try flushFloor() }
            datagrams += 1
        }

        private func flushFloor() throws {
            try floorFile.write(contentsOf: floorBuffer)
            floorBuffer.removeAll(keepingCapacity: true)
        }

        func close() throws {
            try writer.close()
            try flushFloor()
            try floorFile.close()
        }

        /// Reads the capture through once, so that the inspect run after it finds it in the
        /// page cache. The floor has its datagrams in memory before its clock starts; this
        /// machine pages out files left alone for a minute (DAMON), and an inspect run that
        /// read from the disk counted the page-cache fills as its own CPU time.
        func warm() {
            let fd = Glibc.open(url.path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { return }
            defer { Glibc.close(fd) }
            let chunk = UnsafeMutableRawPointer.allocate(byteCount: 1 << 20, alignment: 16)
            defer { chunk.deallocate() }
            while Glibc.read(fd, chunk, 1 << 20) > 0 {}
        }

        /// The floor's CPU seconds for every datagram, the faster of the two ways (each
        /// tried `rounds` times), measured in a child (`kdnetctl-bench floor`) so this
        /// process never holds the datagrams.
        func floorSeconds(rounds: Int = 3) throws -> (seconds: Double, kind: String) {
            let keysURL = url.appendingPathExtension("floor-keys")
            try floorKeys.withUnsafeBytes { try Data($0).write(to: keysURL) }
            let answer = url.appendingPathExtension("floor-answer")
            let r = Spawn.run("/proc/self/exe", ["floor", floorURL.path, keysURL.path, String(rounds)], stdout: answer.path)
            let text = try String(contentsOf: answer, encoding: .utf8).split(separator: " ", maxSplits: 1)
            guard r.status == 0, text.count == 2, let seconds = Double(text[0]) else { fatalError("the crypto floor failed (exit \(r.status))") }
            return (seconds, String(text[1]).trimmingCharacters(in: .whitespacesAndNewlines))
        }
    }

    /// `kdnetctl-bench floor DATAGRAMS KEYS ROUNDS`: prints the floor's best CPU seconds and which way it was.
    static func floorMain(datagrams: String, keys: String, rounds: Int) throws {
        let all = try [UInt8](Data(contentsOf: URL(fileURLWithPath: datagrams)))
        let keyBytes = try Data(contentsOf: URL(fileURLWithPath: keys))
        let floorKeys = keyBytes.withUnsafeBytes { Array($0.bindMemory(to: kdnet_floor_key.self)) }
        let best: (Double, String) = all.withUnsafeBufferPointer { all in
            var items: [kdnet_floor_datagram] = []
            var at = 0
            while at < all.count {
                let key = UInt32(littleEndian: UnsafeRawBufferPointer(all).loadUnaligned(fromByteOffset: at, as: UInt32.self))
                let length = Int(UInt32(littleEndian: UnsafeRawBufferPointer(all).loadUnaligned(fromByteOffset: at + 4, as: UInt32.self)))
                items.append(kdnet_floor_datagram(bytes: all.baseAddress! + at + 8, length: length, key: key))
                at += 8 + length
            }
            var best: (Double, String) = (.infinity, "")
            for (kind, name) in [(KDNET_FLOOR_EVP, "EVP HMAC"), (KDNET_FLOOR_DIGEST_STATES, "copied digest states")] {
                for _ in 0..<rounds {
                    var seconds = 0.0
                    let authentic = kdnet_crypto_floor(kind, items, items.count, floorKeys, floorKeys.count, &seconds)
                    precondition(authentic == items.count, "the floor opened \(authentic) of \(items.count) datagrams")
                    if seconds < best.0 { best = (seconds, name) }
                }
            }
            return best
        }
        Swift.print("\(best.0) \(best.1)")
    }

    static func keyFor(_ i: Int) -> DebugKey {
        DebugKey(parts: (0..<4).map { UInt64(0x1_0000_0000_0000) &* UInt64(i + 3) &+ UInt64($0) &* 0x9E37_79B9_7F4A_7C15 })
    }

    /// A target of the capture: its conversation and the floor's index of its current keys.
    struct Target {
        var conversation: KDNetConversation
        var controlKey: UInt32
        var dataKey: UInt32 = 0
        var sinceBoot = 0
    }

    static func target(_ capture: Capture, key: DebugKey, address: String, port: UInt16, host: UDPEndpoint) -> Target {
        let c = KDNetConversation(key: key, target: UDPEndpoint(address, port: port)!, host: host)
        return Target(conversation: c, controlKey: capture.floorKey(aes: c.keys.controlKey, hmac: c.keys.hmacKey))
    }

    /// A (re)boot: the poke, then the host's response, from which the data key comes.
    static func boot(_ t: inout Target, in capture: Capture) throws {
        t.conversation.reboot()
        try capture.emit(t.conversation.poke(), key: t.controlKey, from: t.conversation.target, to: t.conversation.host)
        try capture.emit(t.conversation.response(), key: t.controlKey, from: t.conversation.host, to: t.conversation.target)
        t.dataKey = capture.floorKey(aes: t.conversation.dataKey!, hmac: t.conversation.keys.hmacKey)
        t.sinceBoot = 0
    }

    static func print(_ t: inout Target, _ payload: [UInt8], in capture: Capture) throws {
        let id = UInt32(truncatingIfNeeded: (t.conversation.sequence[.targetToHost]! + 1) * 2)
        let kd = KDPacket(leader: .data, type: .debugIO, id: id, data: payload).encoded()
        try capture.emit(t.conversation.data(kd, from: .targetToHost), key: t.dataKey, from: t.conversation.target, to: t.conversation.host)
        t.sinceBoot += 1
    }

    static let pokeBodyFiller = [UInt8](repeating: 1, count: Poke.bodyLength)

    /// One poke sealed with a key nobody was given.
    static func strangerPoke(_ capture: Capture, _ stranger: KDNetKeys, strangerKey: UInt32, sequence: Int, to host: UDPEndpoint) throws {
        let poke = stranger.controlCipher.seal(KDNetDatagram(version: 4, channel: .control, sequence: UInt64(sequence), direction: .targetToHost, payload: pokeBodyFiller))
        try capture.emit(poke, key: strangerKey, from: UDPEndpoint("192.0.2.99", port: 50099)!, to: host)
    }

    /// 4 targets with their own keys, each rebooting every 100,000 datagrams, and one
    /// datagram in 20 from a target whose key nobody was given.
    static func writeManyTargets(total: Int, to url: URL) throws -> Capture {
        let capture = try Capture(url: url)
        let host = UDPEndpoint("192.0.2.1", port: 50000)!
        let keys = (0..<4).map(keyFor)
        capture.keys = keys
        let stranger = KDNetKeys(key: keyFor(99))
        let strangerKey = capture.floorKey(aes: stranger.controlKey, hmac: stranger.hmacKey)
        var targets = keys.enumerated().map { i, k in target(capture, key: k, address: "192.0.2.\(10 + i)", port: 50000 + UInt16(i), host: host) }
        let payloads = (0..<8).map { i in DebugIO.printString("benchmark line \(i): " + String(repeating: "x", count: 40 + 150 * i) + "\n") }
        while capture.datagrams < total {
            for t in targets.indices where capture.datagrams < total {
                if targets[t].conversation.dataKey == nil || targets[t].sinceBoot >= 100_000 { try boot(&targets[t], in: capture) }
                try print(&targets[t], payloads[capture.datagrams % payloads.count], in: capture)
                if capture.datagrams % 20 == 0 { try strangerPoke(capture, stranger, strangerKey: strangerKey, sequence: capture.datagrams, to: host) }
            }
        }
        try capture.close()
        return capture
    }

    /// 1,500 short sessions of 10 targets sharing one key: DbgPrint lines of about 80
    /// bytes, an acknowledgement from the host for every third, and 2,000 stranger pokes.
    static func writeShortSessions(to url: URL) throws -> Capture {
        let total = 314_000, sessions = 1_500, strangers = 2_000
        let capture = try Capture(url: url)
        let host = UDPEndpoint("192.0.2.1", port: 50000)!
        let key = keyFor(7)
        capture.keys = [key]
        let stranger = KDNetKeys(key: keyFor(98))
        let strangerKey = capture.floorKey(aes: stranger.controlKey, hmac: stranger.hmacKey)
        var targets = (0..<10).map { i in target(capture, key: key, address: "198.51.100.\(20 + i)", port: 50000, host: host) }
        let perSession = (total - strangers) / sessions
        let lines = (0..<16).map { i in DebugIO.printString("driver: request \(i) completed, status 0x0000000\(i % 10)\n") }
        var started = 0, strangersSent = 0
        while capture.datagrams < total {
            for t in targets.indices where capture.datagrams < total {
                if targets[t].conversation.dataKey == nil || (targets[t].sinceBoot >= perSession - 2 && started < sessions) {
                    try boot(&targets[t], in: capture)
                    started += 1
                }
                try print(&targets[t], lines[capture.datagrams % lines.count], in: capture)
                if targets[t].sinceBoot % 3 == 0 {
                    let ack = KDPacket.control(.acknowledge, id: UInt32(truncatingIfNeeded: targets[t].sinceBoot * 2)).encoded()
                    try capture.emit(targets[t].conversation.data(ack, from: .hostToTarget), key: targets[t].dataKey,
                                     from: host, to: targets[t].conversation.target)
                    targets[t].sinceBoot += 1
                }
                if strangersSent < strangers, capture.datagrams >= strangersSent * (total / strangers) {
                    try strangerPoke(capture, stranger, strangerKey: strangerKey, sequence: strangersSent, to: host)
                    strangersSent += 1
                }
            }
        }
        try capture.close()
        return capture
    }

    static func inspect(_ c: Capture, _ extra: [String] = []) -> SpawnResult {
        c.warm()
        let r = Spawn.run(Spawn.kdnetctl, ["inspect", c.url.path] + c.keys.flatMap { ["--key", $0.text] } + extra)
        // Exit 1 is expected: the stranger's datagrams fail authentication.
        precondition(r.status == 1, "kdnetctl inspect exited \(r.status)")
        return r
    }

    /// Best of `runs`: the least disturbed run.
    static func best(_ runs: Int, _ body: () -> SpawnResult) -> SpawnResult {
        (0..<runs).map { _ in body() }.min { $0.cpuSeconds < $1.cpuSeconds }!
    }

    static func run() throws -> [Figure] {
        // KDNETCTL_BENCH_DIR keeps the captures there (for a profiler); else a folder removed after.
        let kept = ProcessInfo.processInfo.environment["KDNETCTL_BENCH_DIR"].map { URL(fileURLWithPath: $0) }
        let dir = kept ?? FileManager.default.temporaryDirectory.appendingPathComponent("kdnetctl-bench-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { if kept == nil { try? FileManager.default.removeItem(at: dir) } }
        var figures: [Figure] = []
        // Every run on one CPU, the one the goal is stated for. This machine's two CPUs
        // are slowed by others' load in turns, for seconds at a time: a floor on the fast
        // one and an inspect on the slow one made rounds from 0.3x to 0.8x of each other.
        let cpu = kdnet_spawn_pin_here()
        defer { kdnet_spawn_unpin() }
        Swift.print(cpu >= 0 ? "every run on CPU \(cpu)" : "every run wherever the kernel puts it (it could not be pinned: \(String(cString: strerror(errno))))")
        Swift.print("writing captures…")
        let short = try writeShortSessions(to: dir.appendingPathComponent("short.pcap"))
        let many = try writeManyTargets(total: 1_000_000, to: dir.appendingPathComponent("many.pcap"))
        let quarter = try writeManyTargets(total: 250_000, to: dir.appendingPathComponent("quarter.pcap"))
        let quarterRun = best(3) { inspect(quarter) }
        for (name, capture) in [("short sessions", short), ("many targets", many)] {
            // Each mode and the floor in alternating rounds, each ratio from one round: on a
            // shared machine the speed drifts by half between runs a minute apart, which
            // two measurements next to each other share. The floor runs between the two
            // modes, so each is next to the floor it is divided by. The median round is reported.
            var floors: [(seconds: Double, kind: String)] = [], summaries: [SpawnResult] = [], jsons: [SpawnResult] = []
            for _ in 0..<5 {
                summaries.append(inspect(capture))
                floors.append(try capture.floorSeconds(rounds: 1))
                jsons.append(inspect(capture, ["--json"]))
            }
            let n = Double(capture.datagrams)
            func median(_ xs: [Double]) -> Double { xs.sorted()[xs.count / 2] }
            let ratio = median(zip(summaries, floors).map { $1.seconds / $0.cpuSeconds })
            let jsonRatio = median(zip(jsons, floors).map { $1.seconds / $0.cpuSeconds })
            let floor = floors.min { $0.seconds < $1.seconds }!
            let floorRate = n / floor.seconds
            let summary = summaries.min { $0.cpuSeconds < $1.cpuSeconds }!, json = jsons.min { $0.cpuSeconds < $1.cpuSeconds }!
            let rate = n / summary.cpuSeconds, jsonRate = n / json.cpuSeconds
            Swift.print("inspect, \(name): \(capture.datagrams) datagrams; crypto floor up to \(Measure.format(floorRate))/s (\(floor.kind))")
            Swift.print("  summary up to \(Measure.format(rate))/s; median round \(String(format: "%.2f", ratio))x the floor (rounds: \(zip(summaries, floors).map { String(format: "%.2f", $1.seconds / $0.cpuSeconds) }.joined(separator: " "))); peak \(summary.peakText)")
            Swift.print("  --json  up to \(Measure.format(jsonRate))/s; median round \(String(format: "%.2f", jsonRatio))x the floor; peak \(json.peakText)")
            figures.append(Figure(name: "crypto floor, \(name)", value: floorRate, unit: "datagrams/s at best (\(floor.kind))", goal: "-", met: true))
            figures.append(Figure(name: "inspect summary, \(name)", value: ratio, unit: "x the floor, median of 5 rounds (up to \(Measure.format(rate))/s)", goal: ">= 0.5x", met: ratio >= 0.5))
            figures.append(Figure(name: "inspect --json, \(name)", value: jsonRatio, unit: "x the floor, median of 5 rounds (up to \(Measure.format(jsonRate))/s)", goal: ">= 0.15x", met: jsonRatio >= 0.15))
            if name == "many targets" {
                let growth = Double(summary.peakRSSKiB) / Double(max(1, quarterRun.peakRSSKiB))
                // Bounds that are the parent's size say nothing about growth.
                let own = summary.peakIsTheChildsOwn && quarterRun.peakIsTheChildsOwn
                Swift.print("  4x the capture needs \(String(format: "%.2f", growth))x the memory (\(quarterRun.peakText) for a quarter)")
                figures.append(Figure(name: "inspect memory, 4x capture", value: growth, unit: own ? "x peak RSS" : "x peak RSS (bounds only: not watched)",
                                      goal: "<= 1.2x (flat)", met: own && growth <= 1.2))
            }
        }
        return figures
    }
}
