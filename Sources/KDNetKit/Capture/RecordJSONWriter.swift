/// Writes a record as compact JSON by hand: the same document `JSONOutput` makes of
/// the `Encodable` record (keys sorted, snake_case, absent facts as null), at a
/// fraction of the cost, because `--json` over a million-datagram capture writes a
/// million records. `RecordJSONTests` holds the two to the same output.
public struct RecordJSONWriter {
    public init() {}

    public func append(_ r: ObservedDatagram, to out: inout [UInt8]) {
        var o = Object(out: out)
        out = []
        o.string("api", r.api)
        o.string("channel", r.channel?.name)
        o.string("destination", r.destination?.description)
        o.string("direction", r.direction?.name)
        o.key("events"); o.out.append(UInt8(ascii: "["))
        for (i, e) in r.events.enumerated() {
            if i > 0 { o.out.append(UInt8(ascii: ",")) }
            Self.quote(e.text, into: &o.out)
        }
        o.out.append(UInt8(ascii: "]"))
        o.number("index", r.index)
        o.number("key", r.keyIndex.map { $0 + 1 })
        o.string("kind", r.kind?.name)
        o.string("label", r.label)
        o.number("length", r.length)
        o.string("packet_id", r.packetID.map { "0x" + String($0, radix: 16) })
        o.string("problem", r.problem)
        o.number("protocol_version", r.protocolVersion)
        o.number("sequence", r.sequence)
        o.number("session", r.session)
        o.string("source", r.source?.description)
        o.string("status", r.status.rawValue)
        o.string("text", r.text)
        o.key("time")
        if let t = r.time { o.out += Array("\(t)".utf8) } else { o.null() }
        o.key("version")
        if let v = r.kernelVersion {
            var inner = Object(out: o.out)
            inner.true_("boot_debugger", v.isBootDebugger)
            inner.number("build", v.build)
            inner.string("debugger_data_list", "0x" + String(v.debuggerDataList, radix: 16))
            inner.number("flags", v.flags)
            inner.number("kd_secondary_version", v.kdSecondaryVersion)
            inner.string("kern_base", "0x" + String(v.kernelBase, radix: 16))
            inner.string("machine", v.machineName)
            inner.string("major", "0x" + String(v.major, radix: 16, uppercase: true).leftPadded(to: 4))
            inner.number("protocol_version", v.protocolVersion)
            inner.string("ps_loaded_module_list", "0x" + String(v.psLoadedModuleList, radix: 16))
            o.out = inner.close()
        } else {
            o.null()
        }
        out = o.close()
    }

    private struct Object {
        var out: [UInt8]
        var first = true

        init(out: [UInt8]) { self.out = out; self.out.append(UInt8(ascii: "{")) }

        mutating func key(_ k: StaticString) {
            if !first { out.append(UInt8(ascii: ",")) }
            first = false
            out.append(UInt8(ascii: "\""))
            k.withUTF8Buffer { out += $0 }
            out += [UInt8(ascii: "\""), UInt8(ascii: ":")]
        }

        mutating func string(_ k: StaticString, _ v: String?) {
            key(k)
            if let v { RecordJSONWriter.quote(v, into: &out) } else { null() }
        }

        mutating func number(_ k: StaticString, _ v: (some BinaryInteger)?) {
            key(k)
            if let v { out += Array(String(v).utf8) } else { null() }
        }

        mutating func null() { ("null" as StaticString).withUTF8Buffer { out += $0 } }

        mutating func true_(_ k: StaticString, _ v: Bool) {
            key(k); out += Array((v ? "true" : "false").utf8)
        }

        mutating func close() -> [UInt8] { out.append(UInt8(ascii: "}")); return out }
    }

    /// A JSON string as JSONEncoder writes it (slashes not escaped); the lab service's
    /// fleet document uses it too.
    static func quote(_ s: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        if s.utf8.allSatisfy({ $0 >= 0x20 && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") }) {
            out.append(contentsOf: s.utf8)
            out.append(UInt8(ascii: "\""))
            return
        }
        let hex: [UInt8] = Array("0123456789abcdef".utf8)
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "\""): out += [UInt8(ascii: "\\"), b]
            case UInt8(ascii: "\\"): out += [UInt8(ascii: "\\"), b]
            case 0x0A: out += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
            case 0x0D: out += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
            case 0x09: out += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
            // As JSONEncoder writes them (LabTargetsDocumentTests holds the two equal).
            case 0x08: out += [UInt8(ascii: "\\"), UInt8(ascii: "b")]
            case 0x0C: out += [UInt8(ascii: "\\"), UInt8(ascii: "f")]
            case 0..<0x20: out += Array("\\u00".utf8) + [hex[Int(b >> 4)], hex[Int(b & 0xF)]]
            default: out.append(b)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
