/// Writes a record as compact JSON by hand: the same document `JSONOutput` makes of
/// the `Encodable` record (keys sorted, snake_case, absent facts as null), at a
/// fraction of the cost, because `--json` over a million-datagram capture writes a
/// million records. `RecordJSONTests` holds the two to the same output.
///
/// The record's longest possible text is reserved once and written through one
/// pointer: keys come in a fixed order, so each is one literal with its separator;
/// numbers, hex and IPv4 endpoints are written as digits in place. A record costs no
/// allocation beyond the time's shortest round-trip text (and an IPv6 endpoint's).
public struct RecordJSONWriter {
    public init() {}

    public func append(_ r: ObservedDatagram, to out: inout [UInt8]) {
        let time = r.time?.description
        let source = r.source.flatMap { $0.address.isIPv4 ? nil : $0.description }
        let destination = r.destination.flatMap { $0.address.isIPv4 ? nil : $0.description }
        // Every byte of a string may become a 6-byte \u00XX; the rest is bounded by the
        // keys (under 400 bytes), 9 numbers of at most 20 digits and the version object.
        var variable = (r.api?.utf8.count ?? 0) + (r.label?.utf8.count ?? 0) + (r.problem?.utf8.count ?? 0)
            + (r.text?.utf8.count ?? 0) + (source?.utf8.count ?? 0) + (destination?.utf8.count ?? 0)
            + (r.kernelVersion?.machineName.utf8.count ?? 0) + r.events.reduce(0) { $0 + $1.text.utf8.count + 1 }
        variable = variable * 6 + (time?.utf8.count ?? 0)
        Self.write(into: &out, atMost: 1536 + variable) { $0.write(r, time: time, source: source, destination: destination) }
    }

    /// A JSON string as JSONEncoder writes it (slashes not escaped); the lab service's
    /// fleet document uses it too.
    static func quote(_ s: String, into out: inout [UInt8]) {
        write(into: &out, atMost: s.utf8.count * 6 + 2) { $0.quoted(s) }
    }

    private static func write(into out: inout [UInt8], atMost bound: Int, _ body: (inout ByteCursor) -> Void) {
        out.append(addingCapacity: bound) { span in
            span.withUnsafeMutableBufferPointer { buffer, count in
                var o = ByteCursor(base: buffer.baseAddress!, at: count)
                body(&o)
                precondition(o.at <= buffer.count, "JSON text outgrew its bound")
                count = o.at
            }
        }
    }
}

/// Writes into memory reserved beforehand; nothing here checks for room.
private struct ByteCursor {
    let base: UnsafeMutablePointer<UInt8>
    var at: Int

    mutating func write(_ r: ObservedDatagram, time: String?, source: String?, destination: String?) {
        literal("{\"api\":"); string(r.api)
        literal(",\"channel\":"); string(r.channel?.name)
        literal(",\"destination\":"); endpoint(r.destination, text: destination)
        literal(",\"direction\":"); string(r.direction?.name)
        literal(",\"events\":[")
        for (i, e) in r.events.enumerated() {
            if i > 0 { byte(UInt8(ascii: ",")) }
            quoted(e.text)
        }
        literal("],\"index\":"); decimal(r.index)
        literal(",\"key\":"); number(r.keyIndex.map { $0 + 1 })
        literal(",\"kind\":"); string(r.kind?.name)
        literal(",\"label\":"); string(r.label)
        literal(",\"length\":"); decimal(r.length)
        literal(",\"packet_id\":"); hex(r.packetID)
        literal(",\"problem\":"); string(r.problem)
        literal(",\"protocol_version\":"); number(r.protocolVersion)
        literal(",\"protocol_version_seen_before\":")
        if let seen = r.protocolVersionSeenBefore { literal(seen ? "true" : "false") } else { literal("null") }
        literal(",\"sequence\":"); number(r.sequence)
        literal(",\"session\":"); number(r.session)
        literal(",\"source\":"); endpoint(r.source, text: source)
        literal(",\"status\":"); quoted(r.status.rawValue)
        literal(",\"text\":"); string(r.text)
        literal(",\"time\":")
        if let time { raw(time) } else { literal("null") }
        literal(",\"version\":")
        if let v = r.kernelVersion {
            literal("{\"boot_debugger\":"); literal(v.isBootDebugger ? "true" : "false")
            literal(",\"build\":"); decimal(v.build)
            literal(",\"debugger_data_list\":"); hex(v.debuggerDataList)
            literal(",\"flags\":"); decimal(v.flags)
            literal(",\"kd_secondary_version\":"); decimal(v.kdSecondaryVersion)
            literal(",\"kern_base\":"); hex(v.kernelBase)
            literal(",\"machine\":"); quoted(v.machineName)
            // Upper case and at least 4 digits, as `JSONOutput` writes it.
            literal(",\"major\":\"0x")
            let digits = max(4, (16 - v.major.leadingZeroBitCount + 3) / 4)
            for shift in stride(from: (digits - 1) * 4, through: 0, by: -4) { nibble(UInt8(truncatingIfNeeded: v.major >> shift) & 0xF, upper: true) }
            byte(UInt8(ascii: "\""))
            literal(",\"protocol_version\":"); decimal(v.protocolVersion)
            literal(",\"ps_loaded_module_list\":"); hex(v.psLoadedModuleList)
            literal("}")
        } else {
            literal("null")
        }
        literal("}")
    }

    @inline(__always) mutating func byte(_ b: UInt8) { base[at] = b; at += 1 }

    mutating func bytes(_ b: UnsafeBufferPointer<UInt8>) {
        guard let p = b.baseAddress, !b.isEmpty else { return }
        (base + at).update(from: p, count: b.count)
        at += b.count
    }

    mutating func literal(_ s: StaticString) { s.withUTF8Buffer { bytes($0) } }

    /// Text known to need no escaping (a number's digits).
    mutating func raw(_ s: String) {
        var s = s
        s.withUTF8 { bytes($0) }
    }

    mutating func string(_ s: String?) {
        if let s { quoted(s) } else { literal("null") }
    }

    mutating func number(_ v: (some BinaryInteger)?) {
        if let v { decimal(v) } else { literal("null") }
    }

    /// Base-10 digits, as `String(v)` writes them.
    mutating func decimal(_ v: some BinaryInteger) {
        if v < 0 { byte(UInt8(ascii: "-")) }
        var magnitude = UInt64(v.magnitude)
        var digits = 1
        var probe = magnitude
        while probe >= 10 { probe /= 10; digits += 1 }
        at += digits
        var p = at
        repeat {
            p -= 1
            base[p] = 0x30 + UInt8(magnitude % 10)
            magnitude /= 10
        } while magnitude > 0
    }

    mutating func nibble(_ n: UInt8, upper: Bool = false) {
        byte(n < 10 ? 0x30 + n : (upper ? 0x37 : 0x57) + n)
    }

    /// `"0x…"` in lower-case hex, as `"0x" + String(v, radix: 16)` writes it.
    mutating func hex(_ v: (some FixedWidthInteger & UnsignedInteger)?) {
        guard let v else { literal("null"); return }
        literal("\"0x")
        let digits = Swift.max(1, (v.bitWidth - v.leadingZeroBitCount + 3) / 4)
        for shift in stride(from: (digits - 1) * 4, through: 0, by: -4) { nibble(UInt8(truncatingIfNeeded: v >> shift) & 0xF) }
        byte(UInt8(ascii: "\""))
    }

    /// An endpoint as `UDPEndpoint.description` writes it, quoted; IPv6 comes as `text`.
    mutating func endpoint(_ e: UDPEndpoint?, text: String?) {
        guard let e else { literal("null"); return }
        if let text { quoted(text); return }
        byte(UInt8(ascii: "\""))
        decimal(UInt8(truncatingIfNeeded: e.address.low >> 24)); byte(UInt8(ascii: "."))
        decimal(UInt8(truncatingIfNeeded: e.address.low >> 16)); byte(UInt8(ascii: "."))
        decimal(UInt8(truncatingIfNeeded: e.address.low >> 8)); byte(UInt8(ascii: "."))
        decimal(UInt8(truncatingIfNeeded: e.address.low)); byte(UInt8(ascii: ":"))
        decimal(e.port)
        byte(UInt8(ascii: "\""))
    }

    /// The scalar whose UTF-8 starts at `i` of valid UTF-8 `text`, and its length.
    private static func scalar(in text: UnsafeBufferPointer<UInt8>, at i: Int) -> (value: Unicode.Scalar, length: Int) {
        let b = text[i]
        if b < 0x80 { return (Unicode.Scalar(b), 1) }
        if b < 0xE0 { return (Unicode.Scalar(UInt32(b & 0x1F) << 6 | UInt32(text[i + 1] & 0x3F))!, 2) }
        return (Unicode.Scalar(UInt32(b & 0x0F) << 12 | UInt32(text[i + 1] & 0x3F) << 6 | UInt32(text[i + 2] & 0x3F))!, 3)
    }

    /// A JSON string: clean runs copied whole, only `"`, `\`, control bytes and what
    /// `JSONOutput.terminalSafe` escapes (DEL, C1, bidi formatting) escaped.
    mutating func quoted(_ s: String) {
        byte(UInt8(ascii: "\""))
        var s = s
        s.withUTF8 { text in
            var runStart = 0
            var skip = 0
            for i in text.indices {
                if skip > 0 { skip -= 1; continue }
                let b = text[i]
                if b >= 0x7F {
                    // Lead bytes of DEL, C1 (C2 80-9F), U+061C (D8 9C) and U+200E-U+2069 (E2 80/81 ..).
                    guard b == 0x7F || b == 0xC2 || b == 0xD8 || b == 0xE2 else { continue }
                    let scalar = Self.scalar(in: text, at: i)
                    guard JSONOutput.needsEscape(scalar.value) else { continue }
                    bytes(UnsafeBufferPointer(rebasing: text[runStart..<i]))
                    skip = scalar.length - 1
                    runStart = i + scalar.length
                    literal("\\u")
                    for shift in stride(from: 12, through: 0, by: -4) { nibble(UInt8(truncatingIfNeeded: scalar.value.value >> UInt32(shift)) & 0xF) }
                    continue
                }
                guard b < 0x20 || b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") else { continue }
                bytes(UnsafeBufferPointer(rebasing: text[runStart..<i]))
                runStart = i + 1
                switch b {
                case UInt8(ascii: "\""): literal("\\\"")
                case UInt8(ascii: "\\"): literal("\\\\")
                case 0x0A: literal("\\n")
                case 0x0D: literal("\\r")
                case 0x09: literal("\\t")
                // As JSONEncoder writes them (LabTargetsDocumentTests holds the two equal).
                case 0x08: literal("\\b")
                case 0x0C: literal("\\f")
                default: literal("\\u00"); nibble(b >> 4); nibble(b & 0xF)
                }
            }
            bytes(UnsafeBufferPointer(rebasing: text[runStart...]))
        }
        byte(UInt8(ascii: "\""))
    }
}
