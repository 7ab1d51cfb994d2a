import Foundation

/// Reads a classic pcap file (the format of `tcpdump -w`) with large `read(2)`s into one
/// buffer, handing out each frame where it lies. libpcap reads every record with two
/// `fread`s and copies it into its own buffer: for captures of small datagrams that
/// was a tenth of `inspect`'s time. Only what this reader does exactly as libpcap does
/// is taken (version 2.4, both byte orders, micro- and nanosecond timestamps, the link
/// types kdnetctl decodes, no FCS bits); anything else, and pcapng, is left to libpcap.
/// Not `mmap`: a file truncated while mapped would kill the process with SIGBUS.
final class ClassicPcapReader {
    let linkType: LinkType
    private let fd: Int32
    private let swapped: Bool
    private let nanoseconds: Bool
    /// Bytes kept of each frame (libpcap's "snapshot"): the header's snap length, or the
    /// most it allows when the header's is 0 or larger.
    private let snapshot: Int
    /// libpcap's largest frame for these link types (`max_snaplen_for_dlt`).
    static let maximumSnapshot = 262_144
    static let headerLength = 24
    static let recordHeaderLength = 16

    private var buffer: UnsafeMutableRawBufferPointer
    /// The unread bytes are `buffer[start..<end]`.
    private var start = 0
    private var end = 0
    private var atEndOfFile = false
    private var readFailure: String?

    /// The reader, or nil when the file is not one it takes (libpcap reads it then, and
    /// says what is wrong with it if anything is).
    static func open(path: String) -> ClassicPcapReader? {
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        var info = stat()
        var header = [UInt8](repeating: 0, count: headerLength)
        guard fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFREG,
              pread(fd, &header, headerLength, 0) == headerLength,
              let reader = ClassicPcapReader(fd: fd, header: header) else {
            close(fd)
            return nil
        }
        return reader
    }

    private init?(fd: Int32, header: [UInt8]) {
        let magic = UInt32(header[0]) | UInt32(header[1]) << 8 | UInt32(header[2]) << 16 | UInt32(header[3]) << 24
        switch magic {
        case 0xA1B2_C3D4: (swapped, nanoseconds) = (false, false)
        case 0xA1B2_3C4D: (swapped, nanoseconds) = (false, true)
        case 0xD4C3_B2A1: (swapped, nanoseconds) = (true, false)
        case 0x4D3C_B2A1: (swapped, nanoseconds) = (true, true)
        default: return nil
        }
        let swap = swapped
        func field16(_ o: Int) -> UInt16 {
            let v = UInt16(header[o]) | UInt16(header[o + 1]) << 8
            return swap ? v.byteSwapped : v
        }
        func field32(_ o: Int) -> UInt32 {
            let v = UInt32(header[o]) | UInt32(header[o + 1]) << 8 | UInt32(header[o + 2]) << 16 | UInt32(header[o + 3]) << 24
            return swap ? v.byteSwapped : v
        }
        guard field16(4) == 2, field16(6) == 4 else { return nil }
        let network = field32(20)
        // libpcap maps LINKTYPE_RAW (101) to DLT_RAW; the others here are the same in both.
        let link: LinkType? = switch network {
        case 101: .raw
        case 0, 1, 108, 113, 228, 229, 276: LinkType(rawValue: Int32(network))
        default: nil
        }
        guard let link else { return nil }
        let snap = Int(field32(16))
        linkType = link
        snapshot = snap == 0 || snap > Self.maximumSnapshot ? Self.maximumSnapshot : snap
        self.fd = fd
        buffer = .allocate(byteCount: 1 << 18, alignment: 16)
        // The header was read with pread (the offset is still 0): it comes again with the first block.
        _ = skip(Self.headerLength)
    }

    deinit {
        buffer.deallocate()
        close(fd)
    }

    /// Calls `body` with each frame's time and bytes (valid only during the call) until
    /// the end of the file or until `stop` says so.
    func forEachFrame(stop: () -> Bool, _ body: (Double, UnsafeRawBufferPointer) -> Void) -> CaptureEnd {
        while !stop() {
            guard fill(Self.recordHeaderLength) else {
                let have = end - start
                if let readFailure { return .cutShort(readFailure) }
                return have == 0 ? .endOfFile : .cutShort("truncated dump file; tried to read 16 header bytes, only got \(have)")
            }
            let seconds = word(start), fraction = word(start + 4)
            var captured = Int(word(start + 8))
            start += Self.recordHeaderLength
            if captured > Self.maximumSnapshot {
                return .cutShort("invalid packet capture length \(captured), bigger than snaplen of \(snapshot)")
            }
            // A frame longer than the snap length is cut to it, the rest skipped, as libpcap does.
            let beyond = max(0, captured - snapshot)
            captured -= beyond
            guard fill(captured + beyond) else {
                if let readFailure { return .cutShort(readFailure) }
                return .cutShort("truncated dump file; tried to read \(captured + beyond) captured bytes, only got \(end - start)")
            }
            let time = Double(seconds) + Double(nanoseconds ? fraction / 1000 : fraction) / 1_000_000
            body(time, UnsafeRawBufferPointer(rebasing: buffer[start..<(start + captured)]))
            start += captured + beyond
        }
        return .stopped
    }

    private func word(_ at: Int) -> UInt32 {
        let v = UInt32(littleEndian: buffer.loadUnaligned(fromByteOffset: at, as: UInt32.self))
        return swapped ? v.byteSwapped : v
    }

    private func skip(_ n: Int) -> Bool {
        guard fill(n) else { return false }
        start += n
        return true
    }

    /// Makes `n` unread bytes available in the buffer, reading (and growing the buffer
    /// for a frame larger than it) as needed; false at the end of the file or on an error.
    private func fill(_ n: Int) -> Bool {
        if end - start >= n { return true }
        if start > 0 {
            // Keep what is left at the front: the next read goes behind it.
            let left = end - start
            if left > 0 { buffer.baseAddress!.copyMemory(from: buffer.baseAddress! + start, byteCount: left) }
            start = 0; end = left
        }
        if n > buffer.count {
            let larger = UnsafeMutableRawBufferPointer.allocate(byteCount: max(n, buffer.count * 2), alignment: 16)
            larger.baseAddress!.copyMemory(from: buffer.baseAddress!, byteCount: end)
            buffer.deallocate()
            buffer = larger
        }
        while end < n, !atEndOfFile {
            let got = read(fd, buffer.baseAddress! + end, buffer.count - end)
            if got < 0 {
                if errno == EINTR { continue }
                readFailure = String(cString: strerror(errno))
                atEndOfFile = true
            } else if got == 0 {
                atEndOfFile = true
            } else {
                end += got
            }
        }
        return end - start >= n
    }
}
