/// The `--json` shape of one record. Absent facts are left out rather than written as null.
extension ObservedDatagram: Encodable {
    private enum Keys: String, CodingKey {
        case index, time, source, destination, label, length, status, protocolVersion, channel, direction
        case sequence, session, key, kind, packetId, api, text, version, events, problem
    }

    private struct VersionJSON: Encodable {
        var build: UInt16, major: String, bootDebugger: Bool, machine: String, protocolVersion: UInt8
        var kdSecondaryVersion: UInt8, flags: UInt16, kernBase: String, psLoadedModuleList: String, debuggerDataList: String
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(index, forKey: .index)
        try c.encodeIfPresent(time, forKey: .time)
        try c.encodeIfPresent(source?.description, forKey: .source)
        try c.encodeIfPresent(destination?.description, forKey: .destination)
        try c.encodeIfPresent(label, forKey: .label)
        try c.encode(length, forKey: .length)
        try c.encode(status.rawValue, forKey: .status)
        try c.encodeIfPresent(protocolVersion, forKey: .protocolVersion)
        try c.encodeIfPresent(channel?.name, forKey: .channel)
        try c.encodeIfPresent(direction?.name, forKey: .direction)
        try c.encodeIfPresent(sequence, forKey: .sequence)
        try c.encodeIfPresent(session, forKey: .session)
        try c.encodeIfPresent(keyIndex.map { $0 + 1 }, forKey: .key)
        try c.encodeIfPresent(kind?.name, forKey: .kind)
        try c.encodeIfPresent(packetID.map { "0x" + String($0, radix: 16) }, forKey: .packetId)
        try c.encodeIfPresent(api, forKey: .api)
        try c.encodeIfPresent(text, forKey: .text)
        if let v = kernelVersion {
            try c.encode(VersionJSON(
                build: v.build, major: "0x" + String(v.major, radix: 16, uppercase: true).leftPadded(to: 4),
                bootDebugger: v.isBootDebugger, machine: v.machineName, protocolVersion: v.protocolVersion,
                kdSecondaryVersion: v.kdSecondaryVersion, flags: v.flags,
                kernBase: "0x" + String(v.kernelBase, radix: 16), psLoadedModuleList: "0x" + String(v.psLoadedModuleList, radix: 16),
                debuggerDataList: "0x" + String(v.debuggerDataList, radix: 16)), forKey: .version)
        }
        if !events.isEmpty { try c.encode(events.map(\.text), forKey: .events) }
        try c.encodeIfPresent(problem, forKey: .problem)
    }
}
