import CLibvirt
import Foundation

/// One libvirt domain as the API gives it: its state and both definitions.
public struct LibvirtDomainRecord: Sendable, Hashable {
    public var name: String
    public var state: VMState
    /// The running definition; nil when the domain is not running.
    public var liveXML: String?
    /// The persistent definition the next cold start uses (`virsh dumpxml --inactive`).
    public var inactiveXML: String

    /// The model, with `persistentDiffersFromLive` when the domain runs.
    public func virtualMachine() throws -> VirtualMachine {
        // The checks judge the next-boot definition, the one a fix changes; power-cycle
        // says when the running VM still differs from it.
        var vm = try LibvirtDomainXML.parse(inactiveXML, state: state)
        if let liveXML {
            let live = try LibvirtDomainXML.parse(liveXML, state: state)
            vm.pendingChanges = LibvirtDomainXML.differences(live: live, nextBoot: vm)
            vm.persistentDiffersFromLive = !vm.pendingChanges.isEmpty
        }
        return vm
    }
}

/// What one libvirt connection shows: its domains and its networks.
public struct LibvirtSnapshot: Sendable {
    public var uri: String
    public var domains: [LibvirtDomainRecord]
    public var networks: [LibvirtNetwork]
    /// Networks by name that are running now (the others exist but are stopped).
    public var activeNetworks: Set<String>
}

public enum LibvirtError: Error, LocalizedError, Equatable, Sendable {
    /// libvirt.so.0 could not be loaded (it is loaded on first use, not linked).
    case notInstalled(why: String)
    case connect(uri: String, why: String)
    case call(String, why: String)
    case define(name: String, why: String)

    public var errorDescription: String? {
        switch self {
        case .notInstalled(let why):
            return "libvirt cannot be used here (\(why)); install it (apt-get install libvirt0), or read the VM from its QEMU process (--qemu-pid) or Proxmox config (--proxmox-config)"
        case .connect(let uri, let why):
            return "cannot connect to libvirt at \(uri) (\(why)); start libvirtd, or give another --connect URI (as virsh -c takes it)"
        case .call(let what, let why):
            return "libvirt could not \(what) (\(why)); check `virsh` on the same connection"
        case .define(let name, let why):
            return "libvirt refused the new definition of \(name) (\(why)); nothing was changed"
        }
    }
}

/// libvirt through its C API. Every call opens its own connection and closes it, so only
/// `Sendable` values leave this file.
public struct LibvirtHost: Sendable {
    public let uri: String

    /// `--connect`, else `LIBVIRT_DEFAULT_URI`, else the system QEMU driver, as virsh does.
    public init(uri: String?, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.uri = uri ?? environment["LIBVIRT_DEFAULT_URI"].flatMap { $0.isEmpty ? nil : $0 } ?? "qemu:///system"
    }

    public func snapshot() throws(LibvirtError) -> LibvirtSnapshot {
        try withConnection(readOnly: true) { virt, conn throws(LibvirtError) in
            var domains: [LibvirtDomainRecord] = []
            var list: UnsafeMutablePointer<virDomainPtr?>?
            let n = virt.connectListAllDomains(conn, &list, 0)
            guard n >= 0 else { throw .call("list domains", why: Self.lastError(virt)) }
            defer {
                for i in 0..<Int(n) { _ = virt.domainFree(list![i]) }
                free(list)
            }
            for i in 0..<Int(n) {
                guard let dom = list![i] else { continue }
                let name = virt.domainGetName(dom).map { String(cString: $0) } ?? "?"
                var state: Int32 = 0, reason: Int32 = 0
                let live = virt.domainIsActive(dom) == 1
                if virt.domainGetState(dom, &state, &reason, 0) < 0 { state = -1 }
                guard let inactive = Self.take(virt.domainGetXMLDesc(dom, UInt32(VIR_DOMAIN_XML_INACTIVE.rawValue))) else {
                    throw .call("read the definition of \(name)", why: Self.lastError(virt))
                }
                let liveXML = live ? Self.take(virt.domainGetXMLDesc(dom, 0)) : nil
                domains.append(LibvirtDomainRecord(name: name, state: Self.state(state), liveXML: liveXML, inactiveXML: inactive))
            }

            var networks: [LibvirtNetwork] = []
            var active = Set<String>()
            var nets: UnsafeMutablePointer<virNetworkPtr?>?
            let m = virt.connectListAllNetworks(conn, &nets, 0)
            guard m >= 0 else { throw .call("list networks", why: Self.lastError(virt)) }
            defer {
                for i in 0..<Int(m) { _ = virt.networkFree(nets![i]) }
                free(nets)
            }
            for i in 0..<Int(m) {
                guard let net = nets![i], let xml = Self.take(virt.networkGetXMLDesc(net, 0)),
                      let parsed = try? LibvirtNetworkXML.parse(xml) else { continue }
                networks.append(parsed)
                if virt.networkIsActive(net) == 1 { active.insert(parsed.name) }
            }
            return LibvirtSnapshot(uri: uri, domains: domains.sorted { $0.name < $1.name }, networks: networks, activeNetworks: active)
        }
    }

    /// The domain's persistent definition, as `virsh dumpxml --inactive` prints it.
    public func inactiveXML(of name: String) throws(LibvirtError) -> String {
        try withConnection(readOnly: true) { virt, conn throws(LibvirtError) in
            guard let dom = virt.domainLookupByName(conn, name) else { throw .call("find domain \(name)", why: Self.lastError(virt)) }
            defer { _ = virt.domainFree(dom) }
            guard let xml = Self.take(virt.domainGetXMLDesc(dom, UInt32(VIR_DOMAIN_XML_INACTIVE.rawValue))) else {
                throw .call("read the definition of \(name)", why: Self.lastError(virt))
            }
            return xml
        }
    }

    /// Makes `xml` the domain's persistent definition (the running one is untouched).
    public func define(xml: String, name: String) throws(LibvirtError) {
        try withConnection(readOnly: false) { virt, conn throws(LibvirtError) in
            guard let dom = virt.domainDefineXML(conn, xml) else { throw .define(name: name, why: Self.lastError(virt)) }
            _ = virt.domainFree(dom)
        }
    }

    private func withConnection<T>(readOnly: Bool,
                                   _ body: (kdnet_libvirt_api, virConnectPtr) throws(LibvirtError) -> T) throws(LibvirtError) -> T {
        let virt = try Self.api()
        let conn = readOnly ? virt.connectOpenReadOnly(uri) : virt.connectOpen(uri)
        guard let conn else { throw .connect(uri: uri, why: Self.lastError(virt)) }
        defer { _ = virt.connectClose(conn) }
        return try body(virt, conn)
    }

    /// libvirt's functions, loaded at first use. libvirt prints every error to stderr unless
    /// a handler is set; ours keeps quiet and the error is read back with
    /// `virGetLastErrorMessage`.
    private static let loaded: Result<kdnet_libvirt_api, LibvirtError> = {
        var why = [CChar](repeating: 0, count: 512)
        guard let api = kdnet_libvirt_load(&why, UInt(why.count)) else {
            return .failure(.notInstalled(why: String(decoding: why.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)))
        }
        api.pointee.setErrorFunc(nil) { _, _ in }
        return .success(api.pointee)
    }()

    private static func api() throws(LibvirtError) -> kdnet_libvirt_api {
        switch loaded {
        case .success(let api): return api
        case .failure(let error): throw error
        }
    }

    private static func lastError(_ virt: kdnet_libvirt_api) -> String {
        guard let p = virt.getLastErrorMessage() else { return "unknown error" }
        return String(cString: p)
    }

    /// A string libvirt allocated for us.
    private static func take(_ p: UnsafeMutablePointer<CChar>?) -> String? {
        guard let p else { return nil }
        defer { free(p) }
        return String(cString: p)
    }

    private static func state(_ raw: Int32) -> VMState {
        switch UInt32(bitPattern: raw) {
        case VIR_DOMAIN_RUNNING.rawValue, VIR_DOMAIN_BLOCKED.rawValue: return .running
        case VIR_DOMAIN_PAUSED.rawValue, VIR_DOMAIN_PMSUSPENDED.rawValue: return .paused
        case VIR_DOMAIN_SHUTOFF.rawValue, VIR_DOMAIN_SHUTDOWN.rawValue, VIR_DOMAIN_CRASHED.rawValue: return .shutoff
        default: return .unknown
        }
    }
}
