/// The DBGKD structures exchanged inside KD data packets, as 64-bit Windows lays them out.

/// State-manipulate API numbers.
public enum ManipulateAPI: UInt32, Sendable, Codable {
    case readVirtualMemory = 0x3130, writeVirtualMemory = 0x3131, getContext = 0x3132, setContext = 0x3133
    case writeBreakPoint = 0x3134, restoreBreakPoint = 0x3135, `continue` = 0x3136, readControlSpace = 0x3137
    case writeControlSpace = 0x3138, readIoSpace = 0x3139, writeIoSpace = 0x313A, reboot = 0x313B
    case continue2 = 0x313C, readPhysicalMemory = 0x313D, writePhysicalMemory = 0x313E
    case queryMemory = 0x313F, switchProcessor = 0x3140, getVersion = 0x3146, readMachineSpecificRegister = 0x3148
    case restart = 0x314B, getContextEx = 0x315F, setContextEx = 0x3160

    public var name: String {
        switch self {
        case .getVersion: return "DbgKdGetVersionApi"
        case .continue2: return "DbgKdContinueApi2"
        case .continue: return "DbgKdContinueApi"
        case .readVirtualMemory: return "DbgKdReadVirtualMemoryApi"
        case .writeVirtualMemory: return "DbgKdWriteVirtualMemoryApi"
        case .getContext: return "DbgKdGetContextApi"
        case .setContext: return "DbgKdSetContextApi"
        case .restoreBreakPoint: return "DbgKdRestoreBreakPointApi"
        case .writeBreakPoint: return "DbgKdWriteBreakPointApi"
        case .readControlSpace: return "DbgKdReadControlSpaceApi"
        case .writeControlSpace: return "DbgKdWriteControlSpaceApi"
        case .readIoSpace: return "DbgKdReadIoSpaceApi"
        case .writeIoSpace: return "DbgKdWriteIoSpaceApi"
        case .reboot: return "DbgKdRebootApi"
        case .readPhysicalMemory: return "DbgKdReadPhysicalMemoryApi"
        case .writePhysicalMemory: return "DbgKdWritePhysicalMemoryApi"
        case .queryMemory: return "DbgKdQueryMemoryApi"
        case .switchProcessor: return "DbgKdSwitchProcessor"
        case .readMachineSpecificRegister: return "DbgKdReadMachineSpecificRegister"
        case .restart: return "DbgKdRestartApi"
        case .getContextEx: return "DbgKdGetContextExApi"
        case .setContextEx: return "DbgKdSetContextExApi"
        }
    }

    public static func name(of raw: UInt32) -> String {
        ManipulateAPI(rawValue: raw)?.name ?? "API 0x\(String(raw, radix: 16))"
    }
}

/// DBGKD_MANIPULATE_STATE64: 16 bytes of header, then a 40-byte union; some APIs
/// append more data after the 56 bytes.
public struct ManipulateState: Sendable, Equatable {
    public static let length = 56
    public var api: UInt32
    public var processorLevel: UInt16
    public var processor: UInt16
    public var returnStatus: UInt32
    public var union: [UInt8]
    public var extra: [UInt8]

    public init(api: ManipulateAPI, processorLevel: UInt16 = 0, processor: UInt16 = 0, returnStatus: UInt32 = 0,
                union: [UInt8] = [], extra: [UInt8] = []) {
        self.api = api.rawValue; self.processorLevel = processorLevel; self.processor = processor
        self.returnStatus = returnStatus
        self.union = union + [UInt8](repeating: 0, count: max(0, 40 - union.count))
        self.extra = extra
    }

    public init(data: [UInt8]) throws(KDPacketError) {
        guard data.count >= Self.length else { throw .truncatedBody("state manipulate") }
        api = data.le32(0); processorLevel = data.le16(4); processor = data.le16(6); returnStatus = data.le32(8)
        union = Array(data[16..<56]); extra = Array(data[56...])
    }

    public func encoded() -> [UInt8] {
        var out: [UInt8] = []
        out.put32(api); out.put16(processorLevel); out.put16(processor); out.put32(returnStatus); out.put32(0)
        return out + union.prefix(40) + extra
    }

    public var apiName: String { ManipulateAPI.name(of: api) }

    public static func getVersionRequest() -> ManipulateState { ManipulateState(api: .getVersion) }

    /// Resume a halted target: DBG_CONTINUE and no tracing.
    public static func continueRequest() -> ManipulateState {
        var u: [UInt8] = []
        u.put32(0x0001_0002)
        return ManipulateState(api: .continue2, union: u)
    }
}

/// DBGKD_GET_VERSION64, as the target reports itself.
public struct KernelVersion: Sendable, Equatable, Codable {
    public var major: UInt16
    public var build: UInt16
    public var protocolVersion: UInt8
    public var kdSecondaryVersion: UInt8
    public var flags: UInt16
    public var machine: UInt16
    public var maxPacketType: UInt8
    public var maxStateChange: UInt8
    public var maxManipulate: UInt8
    public var simulation: UInt8
    public var kernelBase: UInt64
    public var psLoadedModuleList: UInt64
    public var debuggerDataList: UInt64

    public init(major: UInt16, build: UInt16, protocolVersion: UInt8 = 6, kdSecondaryVersion: UInt8 = 2,
                flags: UInt16 = 7, machine: UInt16 = 0x8664, maxPacketType: UInt8 = 0x0C,
                maxStateChange: UInt8 = 3, maxManipulate: UInt8 = 0x31, simulation: UInt8 = 0,
                kernelBase: UInt64, psLoadedModuleList: UInt64 = 0, debuggerDataList: UInt64 = 0) {
        self.major = major; self.build = build; self.protocolVersion = protocolVersion
        self.kdSecondaryVersion = kdSecondaryVersion; self.flags = flags; self.machine = machine
        self.maxPacketType = maxPacketType; self.maxStateChange = maxStateChange
        self.maxManipulate = maxManipulate; self.simulation = simulation; self.kernelBase = kernelBase
        self.psLoadedModuleList = psLoadedModuleList; self.debuggerDataList = debuggerDataList
    }

    public init(union u: [UInt8]) throws(KDPacketError) {
        guard u.count >= 40 else { throw .truncatedBody("version") }
        major = u.le16(0); build = u.le16(2); protocolVersion = u[4]; kdSecondaryVersion = u[5]
        flags = u.le16(6); machine = u.le16(8); maxPacketType = u[10]; maxStateChange = u[11]
        maxManipulate = u[12]; simulation = u[13]
        kernelBase = u.le64(16); psLoadedModuleList = u.le64(24); debuggerDataList = u.le64(32)
    }

    public func encodedUnion() -> [UInt8] {
        var u: [UInt8] = []
        u.put16(major); u.put16(build); u.append(protocolVersion); u.append(kdSecondaryVersion)
        u.put16(flags); u.put16(machine)
        u += [maxPacketType, maxStateChange, maxManipulate, simulation]
        u.put16(0)
        u.put64(kernelBase); u.put64(psLoadedModuleList); u.put64(debuggerDataList)
        return u
    }

    /// High byte 4 of `major` marks the boot debugger (winload/bootmgr) rather than the kernel.
    public var isBootDebugger: Bool { major >> 8 == 4 }

    public var machineName: String { Self.machineName(machine) }

    public static func machineName(_ machine: UInt16) -> String {
        switch machine {
        case 0x8664: return "x64"
        case 0x14C: return "x86"
        case 0xAA64: return "ARM64"
        case 0x1C0, 0x1C4: return "ARM"
        default: return "machine 0x\(String(machine, radix: 16))"
        }
    }

    /// Parses the machine names users type (`x64`, `amd64`, `arm64`, `x86`, `arm`).
    public static func machine(named name: String) -> UInt16? {
        switch name.lowercased() {
        case "x64", "amd64", "x86_64": return 0x8664
        case "x86", "i386": return 0x14C
        case "arm64", "aarch64": return 0xAA64
        case "arm": return 0x1C4
        default: return nil
        }
    }
}

/// DBGKD_ANY_WAIT_STATE_CHANGE (64-bit): why the target stopped.
public struct StateChange: Sendable, Equatable {
    public enum Kind: UInt32, Sendable { case exception = 0x3030, loadSymbols = 0x3031, commandString = 0x3032 }
    public static let headerLength = 32
    public var newState: UInt32
    public var processorLevel: UInt16
    public var processor: UInt16
    public var numberProcessors: UInt32
    public var thread: UInt64
    public var programCounter: UInt64
    /// The exception code when it is an exception (0x80000003 for a breakpoint).
    public var exceptionCode: UInt32?
    public var body: [UInt8]

    public init(data: [UInt8]) throws(KDPacketError) {
        guard data.count >= Self.headerLength else { throw .truncatedBody("state change") }
        newState = data.le32(0); processorLevel = data.le16(4); processor = data.le16(6)
        numberProcessors = data.le32(8); thread = data.le64(16); programCounter = data.le64(24)
        exceptionCode = newState == Kind.exception.rawValue && data.count >= 36 ? data.le32(32) : nil
        body = Array(data[32...])
    }

    /// A breakpoint exception, as a real target reports after a break-in.
    public static func breakpoint(processors: UInt32 = 1, thread: UInt64, programCounter: UInt64, extraLength: Int = 0x3A8) -> [UInt8] {
        var d: [UInt8] = []
        d.put32(Kind.exception.rawValue); d.put16(0x55); d.put16(0); d.put32(processors); d.put32(0)
        d.put64(thread); d.put64(programCounter)
        d.put32(0x8000_0003); d.put32(0); d.put64(0); d.put64(programCounter)
        d += [UInt8](repeating: 0, count: extraLength - d.count + 32)
        return d
    }

    /// A kernel reporting an image it loaded (DBGKD_LOAD_SYMBOLS64), as a booting target
    /// does for winload/ntoskrnl before any break-in; the NUL-terminated path follows the
    /// fixed part, whose length the first union field gives.
    public static func loadSymbols(image: String, base: UInt64, size: UInt32, processors: UInt32 = 1,
                                   thread: UInt64, programCounter: UInt64, fixedLength: Int = 240) -> [UInt8] {
        let path = Array(image.utf8) + [0]
        var d: [UInt8] = []
        d.put32(Kind.loadSymbols.rawValue); d.put16(0x55); d.put16(0); d.put32(processors); d.put32(0)
        d.put64(thread); d.put64(programCounter)
        d.put32(UInt32(path.count)); d.put32(0); d.put64(base); d.put64(0); d.put32(0); d.put32(size); d.append(0)
        d += [UInt8](repeating: 0, count: max(0, fixedLength - d.count))
        return d + path
    }

    public var kindName: String {
        switch Kind(rawValue: newState) {
        case .exception: return exceptionCode == 0x8000_0003 ? "breakpoint" : "exception 0x\(String(exceptionCode ?? 0, radix: 16))"
        case .loadSymbols: return "load symbols"
        case .commandString: return "command string"
        case nil: return "state 0x\(String(newState, radix: 16))"
        }
    }
}

/// DBGKD_DEBUG_IO: the target printing (DbgPrint) or prompting.
public struct DebugIO: Sendable, Equatable {
    public static let printStringAPI: UInt32 = 0x3230
    public static let getStringAPI: UInt32 = 0x3231
    public static let headerLength = 16
    public var api: UInt32
    public var processor: UInt16
    public var text: String

    public init(data: [UInt8]) throws(KDPacketError) {
        let parsed: Result<DebugIO, KDPacketError> = data.withUnsafeBytes { raw in
            Result { () throws(KDPacketError) in try DebugIO(raw) }
        }
        self = try parsed.get()
    }

    public init(_ data: UnsafeRawBufferPointer) throws(KDPacketError) {
        let header = try Self.header(data)
        api = header.api; processor = header.processor
        text = Self.text(header.text)
    }

    /// The text of `header(_:)`'s bytes: up to the first zero, damaged UTF-8 repaired.
    public static func text(_ bytes: UnsafeRawBufferPointer) -> String {
        String(decoding: UnsafeRawBufferPointer(rebasing: bytes[..<bytes.firstZero]), as: UTF8.self)
    }

    /// The API and processor, and the text's bytes where they lie (up to the declared
    /// length, its terminating zero not looked for): what a reader that does not show
    /// the text checks, without building a String per DbgPrint.
    public static func header(_ data: UnsafeRawBufferPointer) throws(KDPacketError)
        -> (api: UInt32, processor: UInt16, text: UnsafeRawBufferPointer) {
        guard data.count >= headerLength else { throw .truncatedBody("debug I/O") }
        let length = Int(data.le32(8))
        let available = data.count - headerLength
        return (data.le32(0), data.le16(6), UnsafeRawBufferPointer(rebasing: data[headerLength..<(headerLength + min(length, available))]))
    }

    public static func printString(_ text: String, processor: UInt16 = 0) -> [UInt8] {
        let bytes = Array(text.utf8)
        var d: [UInt8] = []
        d.put32(printStringAPI); d.put16(0x55); d.put16(processor); d.put32(UInt32(bytes.count)); d.put32(0)
        return d + bytes
    }
}
