import Foundation

/// The terminal in raw mode while a question is on screen: keys arrive one at a time,
/// unechoed, and Ctrl-C arrives as a byte (ISIG off) so the terminal is always restored
/// before leaving.
final class RawMode {
    enum Key: Equatable {
        case up, down, enter, interrupt, endOfInput, backspace, clearLine
        case text(String)
        case other
    }

    private let fd: Int32
    private var saved = termios()
    private var active = false

    init(fd: Int32 = STDIN_FILENO) { self.fd = fd }

    func enter() {
        guard !active, tcgetattr(fd, &saved) == 0 else { return }
        var raw = saved
        raw.c_lflag &= ~tcflag_t(ECHO | ICANON | ISIG | IEXTEN)
        raw.c_iflag &= ~tcflag_t(IXON | ICRNL)
        withUnsafeMutableBytes(of: &raw.c_cc) { cc in
            cc[Int(VMIN)] = 1
            cc[Int(VTIME)] = 0
        }
        if tcsetattr(fd, TCSANOW, &raw) == 0 { active = true }
    }

    func leave() {
        guard active else { return }
        tcsetattr(fd, TCSANOW, &saved)
        active = false
    }

    deinit { leave() }

    /// One key press; arrow keys come as ESC [ A / ESC [ B (or ESC O A in application mode).
    func readKey() -> Key {
        guard let b = readByte() else { return .endOfInput }
        switch b {
        case 0x03: return .interrupt
        case 0x04: return .endOfInput
        case 0x0d, 0x0a: return .enter
        case 0x7f, 0x08: return .backspace
        case 0x15: return .clearLine
        case 0x1b:
            guard let b2 = readByte(), b2 == UInt8(ascii: "[") || b2 == UInt8(ascii: "O"), let b3 = readByte() else { return .other }
            if b3 == UInt8(ascii: "A") { return .up }
            if b3 == UInt8(ascii: "B") { return .down }
            return .other
        case 0x20...0x7e: return .text(String(UnicodeScalar(b)))
        case 0xc0...0xf7:
            // A UTF-8 sequence: its length is in the lead byte.
            let extra = b >= 0xf0 ? 3 : b >= 0xe0 ? 2 : 1
            var bytes = [b]
            for _ in 0..<extra { if let n = readByte() { bytes.append(n) } }
            return .text(String(decoding: bytes, as: UTF8.self))
        default: return .other
        }
    }

    private func readByte() -> UInt8? {
        var b: UInt8 = 0
        while true {
            let n = read(fd, &b, 1)
            if n == 1 { return b }
            if n < 0 && errno == EINTR { continue }
            return nil
        }
    }
}
