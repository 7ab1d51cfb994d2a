import CSodium

/// Opens datagrams exactly as `DatagramCipher.open` does, but with the HMAC key
/// schedule computed once per key instead of once per datagram (libsodium's HMAC
/// state is copied per datagram). Reading a capture opens millions of datagrams with
/// a handful of keys; this roughly halves the cost of each.
struct DatagramOpener: Sendable {
    private let cipher: DatagramCipher
    private let keyedState: crypto_auth_hmacsha256_state

    init(cipher: DatagramCipher, hmacKey: [UInt8]) {
        _ = sodium_init()
        self.cipher = cipher
        var state = crypto_auth_hmacsha256_state()
        crypto_auth_hmacsha256_init(&state, hmacKey, hmacKey.count)
        keyedState = state
    }

    init(keys: KDNetKeys) { self.init(cipher: keys.controlCipher, hmacKey: keys.hmacKey) }

    init(keys: KDNetKeys, dataKey: [UInt8]) { self.init(cipher: keys.dataCipher(dataKey: dataKey), hmacKey: keys.hmacKey) }

    func open(_ bytes: [UInt8]) throws(DatagramError) -> KDNetDatagram {
        let envelope = try DatagramEnvelope.peek(bytes)
        let tagStart = bytes.count - DatagramCipher.tagLength
        guard let plaintext = cipher.decrypt(bytes[KDNetDatagram.clearHeaderLength..<tagStart], iv: bytes[tagStart...]) else {
            throw .authenticationFailed
        }
        var state = keyedState
        var mac = (UInt64(0), UInt64(0), UInt64(0), UInt64(0))
        let authentic = bytes.withUnsafeBufferPointer { wire in
            plaintext.withUnsafeBufferPointer { clear in
                withUnsafeMutableBytes(of: &mac) { out in
                    let tagBytes = out.baseAddress!.assumingMemoryBound(to: UInt8.self)
                    crypto_auth_hmacsha256_update(&state, wire.baseAddress!, UInt64(KDNetDatagram.clearHeaderLength))
                    crypto_auth_hmacsha256_update(&state, clear.baseAddress!, UInt64(clear.count))
                    crypto_auth_hmacsha256_final(&state, tagBytes)
                    return sodium_memcmp(tagBytes, wire.baseAddress! + tagStart, DatagramCipher.tagLength) == 0
                }
            }
        }
        guard authentic else { throw .authenticationFailed }
        var word: UInt64 = 0
        for i in 0..<8 { word = word << 8 | UInt64(plaintext[i]) }
        let payloadCount = plaintext.count - 8 - Int(word & 0x0F)
        guard payloadCount >= 0 else { throw .badPadding }
        return KDNetDatagram(
            version: envelope.version, channel: envelope.channel, sequence: word >> 8,
            direction: (word & 0x80) != 0 ? .hostToTarget : .targetToHost,
            payload: Array(plaintext[8..<(8 + payloadCount)]))
    }
}
