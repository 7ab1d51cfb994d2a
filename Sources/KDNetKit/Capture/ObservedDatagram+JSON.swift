/// The `--json` shape of one record: every key always there, null when the record does not
/// have that fact. Written by hand because several values are written as hex strings or names.
extension ObservedDatagram: Encodable {
    private enum Keys: String, CodingKey {
        case index, time, source, destination, label, length, status, protocolVersion, protocolVersionSeenBefore, channel, direction
        case sequence, session, key, kind, packetId, api, text, version, events, problem
    }

    private struct VersionJSON: Encodable {
        var build: UInt16, major: String, bootDebugger: Bool, machine: String, protocolVersion: UInt8
        var kdSecondaryVersion: UInt8, flags: UInt16, kernBase: String, psLoadedModuleList: String, debuggerDataList: String
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(index, forKey: .index)
        try c.encode(time, forKey: .time)
        try c.encode(source?.description, forKey: .source)
        try c.encode(destination?.description, forKey: .destination)
        try c.encode(label, forKey: .label)
        try c.encode(length, forKey: .length)
        try c.encode(status.rawValue, forKey: .status)
        try c.encode(protocolVersion, forKey: .protocolVersion)
        try c.encode(protocolVersionSeenBefore, forKey: .protocolVersionSeenBefore)
        try c.encode(channel?.name, forKey: .channel)
        try c.encode(direction?.name, forKey: .direction)
        try c.encode(sequence, forKey: .sequence)
        try c.encode(session, forKey: .session)
        try c.encode(keyIndex.map { $0 + 1 }, forKey: .key)
        try c.encode(kind?.name, forKey: .kind)
        try c.encode(packetID.map { "0x" + String($0, radix: 16) }, forKey: .packetId)
        try c.encode(api, forKey: .api)
        try c.encode(text, forKey: .text)
        try c.encode(kernelVersion.map { v in
            VersionJSON(
                build: v.build, major: "0x" + String(v.major, radix: 16, uppercase: true).leftPadded(to: 4),
                bootDebugger: v.isBootDebugger, machine: v.machineName, protocolVersion: v.protocolVersion,
                kdSecondaryVersion: v.kdSecondaryVersion, flags: v.flags,
                kernBase: "0x" + String(v.kernelBase, radix: 16), psLoadedModuleList: "0x" + String(v.psLoadedModuleList, radix: 16),
                debuggerDataList: "0x" + String(v.debuggerDataList, radix: 16))
        }, forKey: .version)
        try c.encode(events.map(\.text), forKey: .events)
        try c.encode(problem, forKey: .problem)
    }
}
