import Foundation

/// Feeds frames or bare UDP payloads through a `SessionObserver` and tallies what it
/// reports. The records go to the caller one at a time and are not kept, so a capture
/// of any size is inspected in constant memory.
public struct CaptureInspector {
    public private(set) var observer: SessionObserver
    public private(set) var summary: InspectSummary
    public var showDataKeys = false

    /// `recordsText` false: the caller only wants the summary, so records carry no DbgPrint text.
    public init(keys: [ObserverKey], source: String, linkType: LinkType?, recordsText: Bool = true) {
        observer = SessionObserver(keys: keys, recordsText: recordsText)
        summary = InspectSummary(source: source, linkType: linkType?.name)
    }

    /// One captured frame; nil when it holds no whole UDP datagram.
    public mutating func feed(frame: UnsafeRawBufferPointer, link: LinkType, time: Double) -> ObservedDatagram? {
        var record = ObservedDatagram(index: 0, time: nil, source: nil, destination: nil, length: 0, status: .notKDNet)
        return feed(frame: frame, link: link, time: time, into: &record) ? record : nil
    }

    /// The same, made in `record`; false (and `record` as it was) when the frame holds
    /// no whole UDP datagram. One record reused for a whole capture costs no copy per datagram.
    public mutating func feed(frame: UnsafeRawBufferPointer, link: LinkType, time: Double, into record: inout ObservedDatagram) -> Bool {
        summary.frames += 1
        switch FrameDecoder.decode(frame, link: link) {
        case .udp(let source, let destination, let range):
            if range.count >= 4, frame[range.lowerBound] == 0x4D, frame[range.lowerBound + 1] == 0x44,
               frame[range.lowerBound + 2] == 0x42, frame[range.lowerBound + 3] == 0x47 {
                observer.observe(UnsafeRawBufferPointer(rebasing: frame[range]), from: source, to: destination, at: time, into: &record)
            } else {
                observer.skip(length: range.count, from: source, to: destination, at: time, into: &record)
            }
            summary.count(record.status, kind: record.kind, hasProblem: record.problem != nil, protocolVersion: record.protocolVersion)
            return true
        case .fragment:
            summary.ipFragmentsSkipped += 1
        case .truncated:
            summary.framesCutShort += 1
        case .empty:
            summary.emptyFrames += 1
        case .other:
            break
        }
        return false
    }

    /// One UDP payload without addresses (a `--hex-lines` file).
    public mutating func feed(payload: [UInt8], label: String?) -> ObservedDatagram {
        let record = observer.observe(payload, from: nil, to: nil, at: nil, label: label)
        summary.count(record)
        return record
    }

    public mutating func note(_ end: CaptureEnd) {
        if case .cutShort(let why) = end {
            summary.warnings.append("\(summary.source) is cut short or damaged after \(summary.frames) frame(s) (\(why)); reported what was read")
        }
    }

    public func finished() -> InspectSummary {
        var s = summary
        s.sessions = observer.sessions.map { InspectSummary.Session($0, showDataKey: showDataKeys) }
        s.conclude(keyCount: observer.keys.count)
        return s
    }
}

extension CaptureInspector {
    /// Inspects a pcap or pcapng file, handing each record to `onRecord` as it is made
    /// (nil: only the summary is wanted, and no record is copied out to be handed over).
    public static func inspect(file path: String, keys: [ObserverKey], showDataKeys: Bool = false,
                               onRecord: ((ObservedDatagram) -> Void)? = nil) throws(CaptureError) -> InspectSummary {
        let capture = try PacketCapture.open(file: path)
        var inspector = CaptureInspector(keys: keys, source: path, linkType: capture.linkType, recordsText: onRecord != nil)
        inspector.showDataKeys = showDataKeys
        let link = capture.linkType
        var record = ObservedDatagram(index: 0, time: nil, source: nil, destination: nil, length: 0, status: .notKDNet)
        let end = if let onRecord {
            capture.forEachFrame { time, frame in
                if inspector.feed(frame: frame, link: link, time: time, into: &record) { onRecord(record) }
            }
        } else {
            capture.forEachFrame { time, frame in _ = inspector.feed(frame: frame, link: link, time: time, into: &record) }
        }
        inspector.note(end)
        return inspector.finished()
    }

    /// Inspects a file of `name hex` lines, one UDP payload per line (blank lines and
    /// lines starting with # are ignored). Read a line at a time, each at most
    /// `LineReader.defaultMaxLineLength` long, so memory does not grow with the file, nor
    /// with an input that has no newline. A file that can be re-read is checked whole first, so a bad line
    /// stops the run before any record is handed out; a pipe is read once.
    public static func inspect(hexLines path: String, keys: [ObserverKey], showDataKeys: Bool = false,
                               onRecord: (ObservedDatagram) -> Void = { _ in }) throws(CaptureError) -> InspectSummary {
        guard let reader = LineReader(path: path) else {
            throw .cannotOpen(path, LineReader.reason(errno))
        }
        var inspector = CaptureInspector(keys: keys, source: path, linkType: nil)
        inspector.showDataKeys = showDataKeys
        if reader.rewind() {
            try forEachHexLine(reader, path: path) { _, _ in }
            guard reader.rewind() else { throw .cannotOpen(path, "it cannot be read a second time") }
        }
        try forEachHexLine(reader, path: path) { label, bytes in
            onRecord(inspector.feed(payload: bytes, label: label))
        }
        return inspector.finished()
    }

    /// Parses each `name hex` line; throws at the first line that is not one.
    private static func forEachHexLine(_ reader: LineReader, path: String,
                                       _ body: (String, [UInt8]) -> Void) throws(CaptureError) {
        var bad = false
        let lines = reader.forEachLine { raw in
            var line = raw[...]
            let blank: (UInt8) -> Bool = { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }
            while let c = line.first, blank(c) { line = line.dropFirst() }
            while let c = line.last, blank(c) { line = line.dropLast() }
            if line.isEmpty || line.first == UInt8(ascii: "#") { return true }
            // Trimmed, so a space is followed by something: the hex.
            guard let space = line.firstIndex(of: 0x20),
                  let bytes = [UInt8](hexDigits: UnsafeRawBufferPointer(rebasing: line[(space + 1)...])) else {
                bad = true
                return false
            }
            body(String(decoding: line[..<space], as: UTF8.self), bytes)
            return true
        }
        if bad { throw .badHexLine(path, lines) }
        if let line = reader.tooLongLine { throw .hexLineTooLong(path, line, limit: reader.maxLineLength) }
        if let why = reader.failure { throw .cannotOpen(path, why) }
    }
}

extension CaptureInspector {
    /// When a live capture stops by itself.
    public struct LiveLimits: Sendable {
        public var count: Int?
        public var duration: Double?
        /// A pcap-filter expression narrowing what is captured; UDP when nil.
        public var filter: String?
        public init(count: Int?, duration: Double?, filter: String? = nil) {
            self.count = count; self.duration = duration; self.filter = filter
        }
    }

    /// Inspects live traffic on an interface until `limits` or `interrupted` say stop.
    /// `progress` is called about every 200 ms with the summary so far.
    public static func inspect(interface: String, keys: [ObserverKey], limits: LiveLimits, showDataKeys: Bool = false,
                               interrupted: () -> Bool, ready: () -> Void = {}, progress: (InspectSummary) -> Void = { _ in },
                               onRecord: (ObservedDatagram) -> Void = { _ in }) throws(CaptureError) -> InspectSummary {
        let capture = try PacketCapture.live(interface: interface, filter: limits.filter)
        ready()
        var inspector = CaptureInspector(keys: keys, source: interface, linkType: capture.linkType)
        inspector.showDataKeys = showDataKeys
        let link = capture.linkType
        let deadline = limits.duration.map { Date().addingTimeInterval($0) }
        var lastProgress = Date()
        var wasInterrupted = false
        let end = capture.forEachFrame(stop: {
            let now = Date()
            if now.timeIntervalSince(lastProgress) >= 0.2 { progress(inspector.summary); lastProgress = now }
            if let count = limits.count, inspector.summary.datagrams >= count { return true }
            if let deadline, now >= deadline { return true }
            wasInterrupted = interrupted()
            return wasInterrupted
        }) { time, frame in
            if let record = inspector.feed(frame: frame, link: link, time: time) { onRecord(record) }
        }
        // Ctrl-C reports everything captured before it, including frames not read yet.
        if wasInterrupted {
            capture.forEachBufferedFrame { time, frame in
                if let record = inspector.feed(frame: frame, link: link, time: time) { onRecord(record) }
            }
        }
        inspector.note(end)
        return inspector.finished()
    }
}
