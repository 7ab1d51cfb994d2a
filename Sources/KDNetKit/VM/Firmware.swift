public enum FirmwareKind: String, Sendable, Hashable, Codable, CaseIterable {
    case bios
    case uefi
    case unknown
}

/// The VM's firmware. Secure Boot matters because Windows refuses to change the debug
/// settings in its BCD while Secure Boot is on.
public struct Firmware: Sendable, Hashable, Codable {
    public var kind: FirmwareKind
    /// nil when only Secure Boot *capability* is known (an SMM "secboot" build) and not
    /// whether keys are enrolled, which is what turns enforcement on.
    public var secureBoot: Bool?
    /// The firmware code image (OVMF_CODE...), when the source names it.
    public var loaderPath: String?

    public init(kind: FirmwareKind = .unknown, secureBoot: Bool? = nil, loaderPath: String? = nil) {
        self.kind = kind
        self.secureBoot = secureBoot
        self.loaderPath = loaderPath
    }

    /// Debian/Ubuntu ship `OVMF_*_4M.ms.fd`, Fedora `OVMF_VARS.secboot.fd`: both hold
    /// Microsoft's keys. Proxmox uses `OVMF_CODE_4M.secboot.fd` with the blank
    /// `OVMF_VARS_4M.fd` when pre-enrolled-keys=0 (qemu-server OVMF.pm), so a secboot *code*
    /// image alone proves only capability.
    static func hasEnrolledKeysMarker(_ path: String) -> Bool {
        let name = basename(path).lowercased()
        return name.contains(".ms.") || name.contains("secboot")
    }

    static func isMSCode(_ path: String) -> Bool { basename(path).lowercased().contains(".ms.") }

    static func isSecbootCode(_ path: String) -> Bool { basename(path).lowercased().contains("secboot") }

    /// A stock, key-less vars template ("OVMF_VARS_4M.fd", "OVMF_VARS.fd"), as opposed to a
    /// per-VM copy whose name says nothing.
    static func isBlankVarsTemplate(_ path: String) -> Bool {
        let name = basename(path).lowercased()
        return (name.hasPrefix("ovmf_vars") || name.hasPrefix("edk2-i386-vars") || name.hasPrefix("edk2-x86_64-vars"))
            && !hasEnrolledKeysMarker(path)
    }

    static func looksLikeUEFI(_ path: String) -> Bool {
        let l = path.lowercased()
        return l.contains("ovmf") || l.contains("edk2") || l.contains("uefi") || l.contains("efi")
    }

    /// Secure Boot from the code image and the vars (or its template) when that is all a
    /// source says.
    static func secureBoot(code: String?, vars: String?) -> Bool? {
        if let vars {
            if hasEnrolledKeysMarker(vars) { return true }
            if isBlankVarsTemplate(vars) { return false }
        }
        guard let code else { return nil }
        if isMSCode(code) { return true }
        if isSecbootCode(code) { return nil }
        // Non-SMM builds cannot enforce Secure Boot safely; distributions ship them without keys.
        return false
    }

    static func basename(_ path: String) -> String {
        path.split(separator: "/").last.map(String.init) ?? path
    }
}
