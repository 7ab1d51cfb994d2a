import Testing
@testable import KDNetKit

@Suite struct KeyTests {
    @Test func parsesTheDocumentedExample() throws {
        let key = try DebugKey(parsing: "1.z.10.3w5e11264sgsf")
        #expect(key.parts == [1, 35, 36, UInt64.max])
        #expect(key.bytes.hexString == "0100000000000000" + "2300000000000000" + "2400000000000000" + "ffffffffffffffff")
    }

    @Test func acceptsUpperCaseAndPrintsLowerCase() throws {
        let key = try DebugKey(parsing: "  2STEG4FZBJ2SZ.23418vzkd4ko3.1G34OU07Z4PEV.1sp3yo9yz874p\n")
        #expect(key.text == "2steg4fzbj2sz.23418vzkd4ko3.1g34ou07z4pev.1sp3yo9yz874p")
        #expect(!key.isWeak)
    }

    @Test func largestPartIsTheLimit() throws {
        #expect(DebugKey.largestPart == "3w5e11264sgsf")
        #expect(throws: KeyError.partTooLarge(4, "3w5e11264sgsg")) { try DebugKey(parsing: "1.2.3.3w5e11264sgsg") }
        #expect(throws: KeyError.partTooLarge(1, "zzzzzzzzzzzzz")) { try DebugKey(parsing: "zzzzzzzzzzzzz.2.3.4") }
    }

    @Test(arguments: [
        ("", KeyError.empty, "the key is empty"),
        ("1.2.3", KeyError.wrongPartCount(3), "the key has 3 parts, not 4"),
        ("1.2.3.4.5", KeyError.wrongPartCount(5), "the key has 5 parts, not 4"),
        ("1", KeyError.wrongPartCount(1), "the key has 1 part, not 4"),
        ("1..3.4", KeyError.emptyPart(2), "part 2 of the key is empty"),
        ("1.2.3.00000000000000", KeyError.partTooLong(4, "00000000000000"), "part 4 of the key (14 characters) is longer than 13"),
        ("1.2-.3.4", KeyError.badCharacter(2, "-"), "part 2 of the key contains '-'"),
        ("1.2.3.é", KeyError.badCharacter(4, "é"), "part 4 of the key contains 'é'"),
    ])
    func rejectsMalformedKeys(input: String, expected: KeyError, problem: String) throws {
        let error = try #require(throws: KeyError.self) { try DebugKey(parsing: input) }
        #expect(error == expected)
        // The message names this key's own problem before the general form.
        #expect(error.errorDescription?.hasPrefix(problem) == true, "\(error.errorDescription ?? "")")
    }

    @Test func leadingZerosAreAccepted() throws {
        #expect(try DebugKey(parsing: "0000000000001.0.0.0").parts == [1, 0, 0, 0])
    }

    @Test func weakWhenAnyPartIsBelowTwoToThe32() throws {
        #expect(try DebugKey(parsing: "1.2.3.4").isWeak)
        let strong = DebugKey(parts: [1 << 40, 1 << 41, 1 << 42, 1 << 43])
        #expect(!strong.isWeak)
        #expect(DebugKey(parts: [1 << 40, 1 << 41, (1 << 32) - 1, 1 << 43]).isWeak)
    }

    @Test func roundTripsThroughBytes() throws {
        for _ in 0..<50 {
            let key = DebugKey.generate()
            #expect(DebugKey(bytes: key.bytes) == key)
            #expect(try DebugKey(parsing: key.text) == key)
        }
    }

    @Test func generatedKeysDiffer() {
        let keys = Set((0..<64).map { _ in DebugKey.generate() })
        #expect(keys.count == 64)
    }

    @Test func descriptionNeverShowsTheWholeKey() throws {
        let key = try DebugKey(parsing: "2steg4fzbj2sz.23418vzkd4ko3.1g34ou07z4pev.1sp3yo9yz874p")
        #expect(!"\(key)".contains("23418vzkd4ko3"))
        #expect(!"\(key)".contains("1sp3yo9yz874p"))
        #expect("\(key)" == "2ste…(redacted)")
    }

    @Test func reportShapes() throws {
        let ok = KeyReport.check("1.2.3.4")
        #expect(ok.valid && ok.weak == true && ok.bytes?.count == 64 && ok.error == nil)
        let bad = KeyReport.check("1.2.3")
        #expect(!bad.valid && bad.bytes == nil && bad.error != nil)
        let json = try JSONOutput.string(ok)
        #expect(json.contains("\"valid\" : true") && json.contains("\"weak\" : true"))
    }

    @Test func constantTimeComparison() {
        #expect(SecureRandom.constantTimeEqual([1, 2, 3] as [UInt8], [1, 2, 3] as [UInt8]))
        #expect(!SecureRandom.constantTimeEqual([1, 2, 3] as [UInt8], [1, 2, 4] as [UInt8]))
        #expect(!SecureRandom.constantTimeEqual([1, 2, 3] as [UInt8], [1, 2] as [UInt8]))
    }
}

/// Key material lives in `SecretBytes`, wiped when it goes, compared in constant time.
@Suite struct SecretBytesTests {
    @Test func controlAndHMACKeysAreTheKeyAndItsInverse() throws {
        let key = try DebugKey(parsing: "2steg4fzbj2sz.23418vzkd4ko3.1g34ou07z4pev.1sp3yo9yz874p")
        let keys = KDNetKeys(key: key)
        #expect(keys.controlKey.revealedHex == key.bytes.hexString)
        #expect(keys.hmacKey.revealedHex == key.bytes.map { ~$0 }.hexString)
    }

    @Test func wipingLeavesZeros() {
        let secret = SecretBytes([UInt8](1...32))
        #expect(secret.withUnsafeBytes { $0.contains { $0 != 0 } })
        secret.wipe()
        #expect(secret.withUnsafeBytes { $0.allSatisfy { $0 == 0 } } && secret.count == 32)
    }

    @Test func equalityIsByContent() {
        #expect(SecretBytes([1, 2, 3]) == SecretBytes([1, 2, 3]))
        #expect(SecretBytes([1, 2, 3]) != SecretBytes([1, 2, 4]))
        #expect(SecretBytes([1, 2, 3]) != SecretBytes([1, 2]))
    }
}
