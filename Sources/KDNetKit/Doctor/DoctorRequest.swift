import Foundation

/// What the doctor is told about the set-up; each check runs only when what it needs is here.
public struct DoctorRequest: Sendable {
    /// The KDNET port the host debugger listens on (any 1-65535; the port check judges the range).
    public var port: Int?
    public var key: DebugKey?
    /// The address the target is told to send to (bcdedit's hostip / hostipv6).
    public var hostIP: HostAddress?
    /// The target machine's address.
    public var target: IPAddress?
    /// The target's `bcdedit /dbgsettings` output.
    public var dbgSettings: DbgSettings?
    /// The OS running the debugger: Windows firewalls cannot be read from here, only explained.
    public var hostOS: HostOS
    /// When set, also listen passively on the port this many seconds and judge what arrives.
    public var listenSeconds: Double?
    public var pingCount: Int
    public var pingTimeout: Double
    /// The target is kdnetctl's simulated one on this machine, so a loopback host address
    /// is right for it (as in `TargetSetupRequest`).
    public var simulatedTargetOnThisHost = false
    /// The target's NICs judged for its Windows (`--pci-dump`/`--ids` with `--windows`).
    public var nics: NICSurvey?
    /// `--pci-dump`'s functions: the target-busparams line checks that busparams name a NIC among them.
    public var pciDump: PCIDumpContents?
    /// `--vm NAME`: the VM's checks, already run (they read libvirt and the host).
    public var vm: VMCheckReport?

    public static let listenLimits: ClosedRange<Double> = 1...3600

    public init(port: Int? = nil, key: DebugKey? = nil, hostIP: HostAddress? = nil, target: IPAddress? = nil,
                dbgSettings: DbgSettings? = nil, hostOS: HostOS = .linux, listenSeconds: Double? = nil,
                pingCount: Int = 3, pingTimeout: Double = 2, nics: NICSurvey? = nil,
                vm: VMCheckReport? = nil) throws(DoctorRequestError) {
        if let port, !(1...65535).contains(port) { throw .badPort(port) }
        if port == nil, key == nil, hostIP == nil, target == nil, dbgSettings == nil, nics == nil, vm == nil { throw .nothingToCheck }
        if let listenSeconds {
            guard Self.listenLimits.contains(listenSeconds) else { throw .badListenSeconds(listenSeconds) }
            guard port != nil else { throw .listenNeeds("--port", "the port the target sends to") }
            guard key != nil else { throw .listenNeeds("the key (--key, --key-file or $KDNETCTL_KEY)", "the key the host debugger uses") }
        }
        guard (1...1000).contains(pingCount) else { throw .badPingCount(pingCount) }
        guard pingTimeout >= 0.1 && pingTimeout <= 60 else { throw .badPingTimeout(pingTimeout) }
        self.port = port; self.key = key; self.hostIP = hostIP; self.target = target
        self.dbgSettings = dbgSettings; self.hostOS = hostOS; self.listenSeconds = listenSeconds
        self.pingCount = pingCount; self.pingTimeout = pingTimeout
        self.nics = nics
        self.vm = vm
    }

    /// The request from command-line text; every bad value is a usage problem naming its flag.
    public static func parsing(port: Int?, key: DebugKey?, hostIP: HostAddress?, target: IPAddress?, dbgSettings: String?,
                               hostOS: HostOS = .linux, listenSeconds: Double? = nil,
                               pciDump: String? = nil, ids: [String] = [], windows: String? = nil, pciIDs: String? = nil,
                               vm: VMCheckReport? = nil) throws -> DoctorRequest {
        var nics: NICSurvey?
        var contents: PCIDumpContents?
        if let pciDump, ids.isEmpty {
            // Read once, for the NIC survey and for the busparams the pasted settings name.
            let target = try windows.map { try WindowsTarget(parsing: $0) } ?? .newest
            let read = try PCIDumpContents.read(pciDump, pciIDs: pciIDs)
            nics = NICSurvey(functions: read.functions, source: "dump \(pciDump)", windows: target, knowledge: try NICKnowledge.builtIn())
            contents = read
        } else if pciDump != nil || !ids.isEmpty {
            nics = try NICSurvey.survey(dump: pciDump, ids: ids, windows: windows, pciIDs: pciIDs)
        } else if windows != nil, vm == nil {
            throw DoctorRequestError.windowsNeedsNICs
        }
        var request = try DoctorRequest(port: port, key: key, hostIP: hostIP,
                                        target: target, dbgSettings: dbgSettings.map(DbgSettings.init(parsing:)),
                                        hostOS: hostOS, listenSeconds: listenSeconds, nics: nics, vm: vm)
        request.pciDump = contents
        return request
    }
}

public enum DoctorRequestError: Error, LocalizedError, Sendable, Equatable {
    case nothingToCheck
    case badPort(Int)
    case badListenSeconds(Double)
    case listenNeeds(String, String)
    case badPingCount(Int)
    case badPingTimeout(Double)
    case windowsNeedsNICs

    public var errorDescription: String? {
        switch self {
        case .nothingToCheck:
            return "nothing to check; give at least one of --port, the key (--key, --key-file or $KDNETCTL_KEY), --host-ip, --target, --dbgsettings FILE, --pci-dump FILE, --ids or --vm NAME"
        case .badPort(let p):
            return "port \(p) is not a UDP port (1-65535); KDNET uses 50000-50039"
        case .badListenSeconds(let s):
            return "--listen \(s) is outside \(Int(DoctorRequest.listenLimits.lowerBound))-\(Int(DoctorRequest.listenLimits.upperBound)) seconds; give enough for the target to reboot, such as 60"
        case .listenNeeds(let flag, let what):
            return "--listen needs \(flag) (\(what)) to tell the target's datagrams apart"
        case .badPingCount(let n):
            return "ping count \(n) is outside 1-1000; use a small number such as 3"
        case .badPingTimeout(let t):
            return "ping timeout \(t) is outside 0.1-60 seconds; use a few seconds such as 2"
        case .windowsNeedsNICs:
            return "--windows judges the target's NICs; give them with --pci-dump FILE (lspci -xxx output), --ids 8086:10d3 or --vm NAME"
        }
    }
}
