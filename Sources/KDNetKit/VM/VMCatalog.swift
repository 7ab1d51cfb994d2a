import Foundation

/// Where to look for VMs, as the user pointed: a libvirt connection, QEMU processes, Proxmox
/// configuration files.
public struct VMSources: Sendable {
    public var libvirt: LibvirtHost?
    /// One QEMU process to read; nil: every `qemu-system-*` process found in /proc.
    public var qemuPID: Int?
    /// A Proxmox `VMID.conf`, or the directory holding them.
    public var proxmox: String?
    public var procRoot: String

    public static let proxmoxDirectory = "/etc/pve/qemu-server"

    public init(connect: String?, qemuPID: Int? = nil, proxmox: String? = nil, procRoot: String = "/proc",
                useLibvirt: Bool = true) {
        libvirt = useLibvirt ? LibvirtHost(uri: connect) : nil
        self.qemuPID = qemuPID
        self.proxmox = proxmox ?? (FileManager.default.fileExists(atPath: Self.proxmoxDirectory) ? Self.proxmoxDirectory : nil)
        self.procRoot = procRoot
    }
}

/// Every VM the sources show, with what could not be read said, not hidden.
public struct VMCatalog: Sendable {
    public var vms: [VirtualMachine]
    /// libvirt's networks, for the checks of libvirt VMs.
    public var networks: [LibvirtNetwork]
    public var activeNetworks: Set<String>
    /// One line per source that could not be read ("libvirt at qemu:///system: ...").
    public var problems: [String]
    /// The Proxmox files among them, by path, with the message (already in `problems`): a
    /// file the user named that is refused is a bad file (a runtime failure), not a VM
    /// that is missing.
    public var badFiles: [String: String] = [:]

    public static func load(_ sources: VMSources) -> VMCatalog {
        var catalog = VMCatalog(vms: [], networks: [], activeNetworks: [], problems: [])
        if let host = sources.libvirt {
            do {
                let snapshot = try host.snapshot()
                catalog.networks = snapshot.networks
                catalog.activeNetworks = snapshot.activeNetworks
                for d in snapshot.domains {
                    do { catalog.vms.append(try d.virtualMachine()) } catch {
                        catalog.problems.append("libvirt domain \(d.name): \(error.localizedDescription)")
                    }
                }
            } catch {
                catalog.problems.append(error.errorDescription ?? "libvirt could not be read")
            }
        }
        let libvirtNames = Set(catalog.vms.map(\.name))
        for pid in sources.qemuPID.map({ [$0] }) ?? qemuProcesses(procRoot: sources.procRoot) {
            do {
                var vm = try readQEMU(pid: pid, procRoot: sources.procRoot)
                // A QEMU that libvirt started is already listed as its domain.
                if sources.qemuPID == nil, libvirtNames.contains(vm.name) { continue }
                if vm.name == "qemu" { vm.name = "qemu-\(pid)" }
                catalog.vms.append(vm)
            } catch {
                catalog.problems.append(error.localizedDescription)
            }
        }
        if let path = sources.proxmox {
            for file in proxmoxFiles(path, problems: &catalog.problems) {
                do { catalog.vms.append(try readProxmox(file)) } catch let error as TextInputError {
                    // It names the file itself.
                    catalog.problems.append(error.localizedDescription)
                    catalog.badFiles[file] = error.localizedDescription
                } catch {
                    catalog.problems.append("\(file): \(error.localizedDescription)")
                    catalog.badFiles[file] = "\(file): \(error.localizedDescription)"
                }
            }
        }
        return catalog
    }

    /// The VM the user named: by name, Proxmox VMID or libvirt UUID.
    public func find(_ name: String) throws(VMLookupError) -> VirtualMachine {
        let matches = vms.filter { $0.name == name || $0.identifier == name }
        if matches.count == 1 { return matches[0] }
        if matches.count > 1 {
            throw .ambiguous(name, matches.map { "\($0.name) (\($0.source.rawValue))" })
        }
        throw .unknown(name, known: vms.map(\.name), problems: problems)
    }

    static func qemuProcesses(procRoot: String) -> [Int] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: procRoot)) ?? []
        return entries.compactMap(Int.init).sorted().filter { pid in
            guard let data = FileManager.default.contents(atPath: "\(procRoot)/\(pid)/cmdline"),
                  let argv0 = data.split(separator: 0).first else { return false }
            return Firmware.basename(String(decoding: argv0, as: UTF8.self)).hasPrefix("qemu-system-")
        }
    }

    static func readQEMU(pid: Int, procRoot: String) throws -> VirtualMachine {
        guard let data = FileManager.default.contents(atPath: "\(procRoot)/\(pid)/cmdline"), !data.isEmpty else {
            throw VMLookupError.noProcess(pid)
        }
        var vm = try QEMUCommandLine.parse(cmdline: String(decoding: data, as: UTF8.self))
        vm.identifier = vm.identifier ?? "pid \(pid)"
        vm.origin = "\(procRoot)/\(pid)"
        return vm
    }

    static func proxmoxFiles(_ path: String, problems: inout [String]) -> [String] {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            problems.append("Proxmox configuration \(path) does not exist")
            return []
        }
        guard isDir.boolValue else { return [path] }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        return names.filter { $0.hasSuffix(".conf") }.sorted().map { path + "/" + $0 }
    }

    static func readProxmox(_ file: String) throws -> VirtualMachine {
        let text = try TextInput.read(path: file, expecting: "a Proxmox VM config (/etc/pve/qemu-server/VMID.conf)")
        let vmid = Int(URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent)
        var vm = try ProxmoxConfig.parse(text, vmid: vmid)
        vm.origin = file
        return vm
    }
}

public enum VMLookupError: Error, LocalizedError, Equatable, Sendable {
    case unknown(String, known: [String], problems: [String])
    case ambiguous(String, [String])
    case noProcess(Int)
    case unreadable(String)

    public var errorDescription: String? {
        switch self {
        case .unknown(let name, let known, let problems):
            var text = "no VM named '\(name)'"
            text += known.isEmpty ? "; no VM was found" : "; the VMs here are: \(known.joined(separator: ", "))"
            if let first = problems.first { text += " (not read: \(first))" }
            return text + "; see `kdnetctl vm list`"
        case .ambiguous(let name, let matches):
            return "'\(name)' names several VMs (\(matches.joined(separator: ", "))); give --connect, --qemu-pid or --proxmox-config to choose the source"
        case .noProcess(let pid):
            return "no process \(pid) to read (/proc/\(pid)/cmdline); give the pid of a running qemu-system-* process (pgrep -a qemu)"
        case .unreadable(let file):
            return "cannot read \(file); give a Proxmox VMID.conf (from /etc/pve/qemu-server) that this user may read"
        }
    }
}
