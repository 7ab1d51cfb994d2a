import Crypto
import CryptoExtras
import Foundation
import KDNetKit

/// Datagram open (decrypt + verify + parse) against the bare swift-crypto work the same
/// bytes need: AES-256-CBC decrypt plus HMAC-SHA256. Goal: the codec costs at most 1.3x.
enum CodecBenchmark {
    static let key = DebugKey(parts: [0x1A2B_3C4D_5E6F_7081, 0x9214_3658_7A9B_BCCD, 0xDEAD_BEEF_0BAD_F00D, 0x0123_4567_89AB_CDEF])

    static func run() -> [Figure] {
        let keys = KDNetKeys(key: key)
        let dataKey = keys.dataKey(responseBody: [UInt8](repeating: 7, count: 322))
        let cipher = keys.dataCipher(dataKey: dataKey)
        let aesKey = dataKey.withUnsafeBytes { SymmetricKey(data: $0) }
        let hmacKey = keys.hmacKey.withUnsafeBytes { SymmetricKey(data: $0) }
        var figures: [Figure] = []
        for size in [64, 512, 1400] {
            let payload = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31) }
            let sealed = cipher.seal(KDNetDatagram(version: 4, channel: .data, sequence: 42, direction: .targetToHost, payload: payload))
            let tag = Array(sealed.suffix(16))
            let iv = try! AES._CBC.IV(ivBytes: tag)
            let header = sealed.prefix(6)
            let body = sealed[6..<(sealed.count - 16)]
            // The fairest baseline: HMAC keyed once, as the codec does, so the ratio is the codec's own overhead.
            let keyedMAC = HMAC<SHA256>(key: hmacKey)
            var sink = 0
            let (bare, codec) = Measure.bestRates({
                let plain = try! AES._CBC.decrypt(body, using: aesKey, iv: iv, noPadding: true)
                var mac = keyedMAC
                mac.update(data: header)
                mac.update(data: plain)
                sink &+= Array(mac.finalize())[0] == tag[0] ? 1 : 0
            }, {
                sink &+= (try? cipher.open(sealed))?.payload.count ?? 0
            })
            precondition(sink != 0)
            let ratio = bare / codec
            print("codec \(size)-byte payload: \(Measure.format(codec)) opens/s, bare crypto \(Measure.format(bare))/s, cost ratio \(String(format: "%.2f", ratio))x")
            figures.append(Figure(name: "codec open \(size) B", value: codec, unit: "datagrams/s", goal: "-", met: true))
            figures.append(Figure(name: "codec/bare cost ratio \(size) B", value: ratio, unit: "x", goal: "<= 1.3x", met: ratio <= 1.3))
        }
        return figures
    }
}
