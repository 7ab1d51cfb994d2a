import CPcap
import Foundation

/// Why reading frames stopped.
public enum CaptureEnd: Sendable, Equatable {
    case endOfFile
    /// The caller asked to stop (count or duration reached, or interrupted).
    case stopped
    /// The file ends inside a packet or is damaged further on; what came before was read.
    case cutShort(String)
}

public enum CaptureError: Error, LocalizedError, Sendable, Equatable {
    case cannotOpen(String, String)
    case unsupportedLink(String, Int32)
    case cannotCapture(String, String)
    case badHexLine(String, Int)
    case hexLineTooLong(String, Int, limit: Int)
    case badFilter(String, String)

    public var errorDescription: String? {
        switch self {
        case .cannotOpen(let path, let why):
            return "cannot read capture \(path): \(why); give a pcap or pcapng file (tcpdump -w FILE, or Wireshark's Save As)"
        case .unsupportedLink(let source, let link):
            // libpcap has no name for many values (147-162 are the private DLT_USER ones).
            let name = pcap_datalink_val_to_name(link).map { String(cString: $0) }.map { " (\($0))" } ?? ""
            return "\(source) has link type \(link)\(name), not supported; kdnetctl reads \(LinkType.supportedSummary): capture on an Ethernet interface or with `tcpdump -i any`"
        case .cannotCapture(let interface, let why):
            return "cannot capture on \(interface): \(why); run as root (or with CAP_NET_RAW) and pick an interface from `ip link`"
        case .badFilter(let expression, let why):
            return "the capture filter `\(expression)` is not valid (\(why)); give a pcap-filter(7) expression such as `udp port 50000`"
        case .badHexLine(let path, let line):
            return "\(path) line \(line) is not `name hex`; give one datagram per line as a name, a space and the UDP payload in hex"
        case .hexLineTooLong(let path, let line, let limit):
            return "\(path) line \(line) is longer than \(TextInputError.sizeText(limit)) (kdnetctl reads lines up to that), so it is not `name hex`; give one datagram per line as a name, a space and the UDP payload in hex"
        }
    }
}

/// A capture file (pcap or pcapng) or a live interface. Frames are handed out one at a
/// time from a buffer, so memory does not grow with the capture's size: libpcap's, or
/// for classic pcap files `ClassicPcapReader`'s.
public final class PacketCapture {
    private let handle: OpaquePointer?
    private let classic: ClassicPcapReader?
    public let linkType: LinkType
    /// The file or interface, for messages.
    public let source: String
    public let isLive: Bool

    private init(handle: OpaquePointer, source: String, live: Bool) throws(CaptureError) {
        let link = pcap_datalink(handle)
        guard let type = LinkType(rawValue: link) else {
            pcap_close(handle)
            throw .unsupportedLink(source, link)
        }
        self.handle = handle; self.classic = nil; self.linkType = type; self.source = source; self.isLive = live
    }

    private init(classic: ClassicPcapReader, source: String) {
        self.handle = nil; self.classic = classic; self.linkType = classic.linkType; self.source = source; self.isLive = false
    }

    deinit { if let handle { pcap_close(handle) } }

    /// `libpcapOnly`: never the classic reader (the tests compare the two).
    static func open(file path: String, libpcapOnly: Bool) throws(CaptureError) -> PacketCapture {
        if !libpcapOnly, let reader = ClassicPcapReader.open(path: path) { return PacketCapture(classic: reader, source: path) }
        return try open(libpcapFile: path)
    }

    public static func open(file path: String) throws(CaptureError) -> PacketCapture {
        try open(file: path, libpcapOnly: false)
    }

    private static func open(libpcapFile path: String) throws(CaptureError) -> PacketCapture {
        var errbuf = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE))
        guard let handle = pcap_open_offline(path, &errbuf) else {
            throw .cannotOpen(path, Self.explain(Self.text(errbuf), path: path))
        }
        return try PacketCapture(handle: handle, source: path, live: false)
    }

    /// Opens an interface for UDP traffic. Returns frames as they arrive; the
    /// read timeout lets the caller check its stop condition regularly.
    public static func live(interface: String, filter: String? = nil) throws(CaptureError) -> PacketCapture {
        var errbuf = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE))
        guard let handle = pcap_create(interface, &errbuf) else {
            throw .cannotCapture(interface, Self.text(errbuf))
        }
        pcap_set_snaplen(handle, 65535)
        pcap_set_promisc(handle, 1)
        pcap_set_immediate_mode(handle, 1)
        let status = pcap_activate(handle)
        if status < 0 {
            let why = status == PCAP_ERROR_NO_SUCH_DEVICE ? "no such interface"
                : status == PCAP_ERROR_PERM_DENIED ? "permission denied"
                : String(cString: pcap_geterr(handle))
            pcap_close(handle)
            throw .cannotCapture(interface, why)
        }
        // VLAN-tagged UDP needs its own clause; some link types do not know `vlan`.
        let accepted = filter.map { setFilter(handle, $0) } ?? (setFilter(handle, "udp or (vlan and udp)") || setFilter(handle, "udp"))
        guard accepted else {
            let why = String(cString: pcap_geterr(handle))
            pcap_close(handle)
            throw .badFilter(filter ?? "udp", why)
        }
        // In immediate mode Linux's libpcap ignores the read timeout and blocks until a
        // packet comes, so a quiet interface would never let the caller stop (Ctrl-C,
        // --duration). Read non-blocking and wait on the descriptor with our own timeout.
        guard pcap_setnonblock(handle, 1, &errbuf) == 0 else {
            pcap_close(handle)
            throw .cannotCapture(interface, Self.text(errbuf))
        }
        return try PacketCapture(handle: handle, source: interface, live: true)
    }

    /// How long a live read waits for traffic before looking at the stop condition again.
    static let liveWaitMilliseconds: Int32 = 200

    private static func setFilter(_ handle: OpaquePointer, _ expression: String) -> Bool {
        var program = bpf_program()
        guard pcap_compile(handle, &program, expression, 1, PCAP_NETMASK_UNKNOWN) == 0 else { return false }
        defer { pcap_freecode(&program) }
        return pcap_setfilter(handle, &program) == 0
    }

    /// Calls `body` with each frame's time (seconds since 1970) and bytes, valid only
    /// during the call, until the end of the file or until `stop` returns true.
    public func forEachFrame(stop: () -> Bool = { false },
                             _ body: (Double, UnsafeRawBufferPointer) -> Void) -> CaptureEnd {
        if let classic { return classic.forEachFrame(stop: stop, body) }
        guard let handle else { return .endOfFile }
        var header: UnsafeMutablePointer<pcap_pkthdr>?
        var data: UnsafePointer<UInt8>?
        while !stop() {
            switch pcap_next_ex(handle, &header, &data) {
            case 1:
                guard let h = header?.pointee, let data else { continue }
                let time = Double(h.ts.tv_sec) + Double(h.ts.tv_usec) / 1_000_000
                body(time, UnsafeRawBufferPointer(start: data, count: Int(h.caplen)))
            case 0:
                // Nothing buffered (live, non-blocking): wait a little for traffic, then look at `stop` again.
                var pfd = pollfd(fd: pcap_get_selectable_fd(handle), events: Int16(POLLIN), revents: 0)
                _ = poll(&pfd, 1, Self.liveWaitMilliseconds)
                continue
            case PCAP_ERROR_BREAK:
                return isLive ? .stopped : .endOfFile
            default:
                return .cutShort(String(cString: pcap_geterr(handle)))
            }
        }
        return .stopped
    }

    /// Calls `body` with each frame already captured and not yet read, without waiting
    /// for more: what a live capture still holds when it is told to stop.
    public func forEachBufferedFrame(_ body: (Double, UnsafeRawBufferPointer) -> Void) {
        guard let handle else { return }
        var header: UnsafeMutablePointer<pcap_pkthdr>?
        var data: UnsafePointer<UInt8>?
        while pcap_next_ex(handle, &header, &data) == 1 {
            guard let h = header?.pointee, let data else { continue }
            body(Double(h.ts.tv_sec) + Double(h.ts.tv_usec) / 1_000_000, UnsafeRawBufferPointer(start: data, count: Int(h.caplen)))
        }
    }

    private static func text(_ buffer: [CChar]) -> String {
        String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// libpcap's wording, with the cases users meet most made plain.
    private static func explain(_ message: String, path: String) -> String {
        if !FileManager.default.fileExists(atPath: path) { return "no such file" }
        if message.contains("unknown file format") { return "not a pcap or pcapng capture" }
        if message.contains("truncated") { return "the file is too short to be a capture" }
        return message.replacingOccurrences(of: "\(path): ", with: "")
    }
}
