import CDatagramCipher
import Crypto
import CryptoExtras
import Foundation
import KDNetKit

/// Opening one datagram (decrypt, verify, parse) against the bare libcrypto work the
/// same bytes need, called from C's side of the shim with nothing around it. Goal: the
/// codec costs at most 1.3x. swift-crypto's one-shot AES-CBC plus a keyed HMAC, what the
/// codec used before, is printed beside it for reference.
enum CodecBenchmark {
    static let key = DebugKey(parts: [0x1A2B_3C4D_5E6F_7081, 0x9214_3658_7A9B_BCCD, 0xDEAD_BEEF_0BAD_F00D, 0x0123_4567_89AB_CDEF])

    static func run() -> [Figure] {
        let keys = KDNetKeys(key: key)
        let dataKey = keys.dataKey(responseBody: [UInt8](repeating: 7, count: 322))
        let cipher = keys.dataCipher(dataKey: dataKey)
        let bare = dataKey.withUnsafeBytes { aes in
            keys.hmacKey.withUnsafeBytes { kdnet_cipher_create(aes.bindMemory(to: UInt8.self).baseAddress, $0.bindMemory(to: UInt8.self).baseAddress)! }
        }
        defer { kdnet_cipher_destroy(bare) }
        let aesKey = dataKey.withUnsafeBytes { SymmetricKey(data: $0) }
        let keyedMAC = HMAC<SHA256>(key: keys.hmacKey.withUnsafeBytes { SymmetricKey(data: $0) })
        var figures: [Figure] = []
        var plain = [UInt8](repeating: 0, count: 2048)
        for size in [64, 512, 1400] {
            let payload = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31) }
            let sealed = cipher.seal(KDNetDatagram(version: 4, channel: .data, sequence: 42, direction: .targetToHost, payload: payload))
            var sink = 0
            let (bareRate, codec) = Measure.bestRates({
                sealed.withUnsafeBufferPointer { d in
                    sink &+= Int(kdnet_cipher_open(bare, d.baseAddress!, 6, d.baseAddress! + 6, d.count - 22, d.baseAddress! + d.count - 16, &plain))
                }
            }, {
                sink &+= (try? cipher.open(sealed))?.payload.count ?? 0
            })
            let iv = try! AES._CBC.IV(ivBytes: sealed.suffix(16))
            let swiftCrypto = Measure.rate(seconds: 0.4, batch: 500) {
                let p = try! AES._CBC.decrypt(sealed[6..<(sealed.count - 16)], using: aesKey, iv: iv, noPadding: true)
                var mac = keyedMAC
                mac.update(data: sealed.prefix(6))
                mac.update(data: p)
                sink &+= Array(mac.finalize())[0] == sealed[sealed.count - 16] ? 1 : 0
            }
            precondition(sink != 0)
            let ratio = bareRate / codec
            print("codec \(size)-byte payload: \(Measure.format(codec)) opens/s, bare libcrypto \(Measure.format(bareRate))/s, cost ratio \(String(format: "%.2f", ratio))x; swift-crypto one-shot \(Measure.format(swiftCrypto))/s")
            figures.append(Figure(name: "codec open \(size) B", value: codec, unit: "datagrams/s", goal: "-", met: true))
            figures.append(Figure(name: "codec/bare cost ratio \(size) B", value: ratio, unit: "x", goal: "<= 1.3x", met: ratio <= 1.3))
        }
        return figures
    }
}
