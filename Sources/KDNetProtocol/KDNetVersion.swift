/// The KDNET protocol versions kdnetctl has seen a real target speak, each with the
/// capture that shows it: the one list every command and test uses.
///
/// The list does not decide what is answered. Like WinDbg, ntoseye and rizin, the host
/// echoes whatever version an authentic datagram carries (the version byte is inside
/// the tag); the list only decides whether a version is called "not seen before", so
/// that a new Windows that raises the byte is noticed, not refused.
public struct KDNetVersion: Sendable, Equatable {
    public let number: UInt8
    /// Where a real target was seen speaking it.
    public let source: String

    /// Version 3 is left out on purpose: no public capture or host implementation seen
    /// shows a target sending it. An authentic version 3 is answered all the same.
    public static let known: [KDNetVersion] = [
        KDNetVersion(number: 2, source: "Windows 8.1 (build 9600) and WinDbg, killvxk/libKDNET test_pkt.h (Fixtures/vectors/libkdnet-1.1.1.1-v2.txt)"),
        KDNetVersion(number: 4, source: "Windows 10 (build 10586) at boot and WinDbg, Lekensteyn/kdnet pcaps/windbg-uncut.pcapng (Fixtures/vectors/windbg-8.8.8.8-v4.pcapng)"),
        KDNetVersion(number: 5, source: "Windows 10 (build 19041), the public captures the reference notes cite (no fixture here)"),
    ]

    /// Whether a real target was seen speaking `version`.
    public static func isKnown(_ version: UInt8) -> Bool {
        known.contains { $0.number == version }
    }

    /// "2, 4 and 5", for messages.
    public static var knownText: String {
        let numbers = known.map { String($0.number) }
        return numbers.dropLast().joined(separator: ", ") + (numbers.count > 1 ? " and " : "") + (numbers.last ?? "")
    }

    /// What a simulated target may speak: any version byte but 0. Numbering starts at 1,
    /// so a 0 is an unset value or a typo rather than a target to imitate (a host still
    /// answers an authentic version 0, as it answers any authentic version).
    public static let speakable: ClosedRange<Int> = 1...255

    /// Said once per session of a version not in `known`.
    public static func notSeenBefore(_ version: UInt8) -> String {
        "KDNET version \(version), not seen before: answered as the target speaks it"
    }

    /// Why a datagram of a version not in `known` that does not authenticate is refused:
    /// the tag cannot tell a wrong key from a layout kdnetctl cannot read.
    public static func refusal(_ versions: [UInt8]) -> String {
        "unknown version\(versions.count > 1 ? "s" : "") \(versions.map(String.init).joined(separator: ", ")): a wrong key or a new layout"
    }
}
