import Foundation

/// Maps an OVMF firmware or vars-template path to its build without Secure Boot, by name.
///
/// Distributions mark the Secure Boot builds in the file name, and the plain build sits
/// next to it with the marker left out (checked against Debian 12's `ovmf` package and its
/// descriptors in /usr/share/qemu/firmware: 40-edk2-x86_64-secure-enrolled.json pairs
/// OVMF_CODE_4M.ms.fd with OVMF_VARS_4M.ms.fd, 60-edk2-x86_64.json pairs OVMF_CODE_4M.fd
/// with OVMF_VARS_4M.fd):
///
/// - Debian/Ubuntu: OVMF_CODE_4M.secboot.fd, OVMF_CODE_4M.ms.fd, OVMF_CODE_4M.snakeoil.fd
///   -> OVMF_CODE_4M.fd; OVMF_VARS_4M.ms.fd, OVMF_VARS_4M.snakeoil.fd -> OVMF_VARS_4M.fd
/// - Fedora: OVMF_CODE.secboot.fd -> OVMF_CODE.fd; OVMF_VARS.secboot.fd (keys enrolled) ->
///   OVMF_VARS.fd
/// - Arch: OVMF_CODE.secboot.4m.fd -> OVMF_CODE.4m.fd
///
/// The file itself is not looked at: this runs on the definition, maybe away from the host.
enum FirmwarePaths {
    static let markers = [".secboot.", ".ms.", ".snakeoil."]

    /// nil when the file name has no Secure Boot marker.
    static func withoutSecureBoot(_ path: String) -> String? {
        let slash = path.lastIndex(of: "/").map { path.index(after: $0) } ?? path.startIndex
        var name = String(path[slash...])
        var changed = false
        for marker in markers {
            while let r = name.range(of: marker) {
                name.replaceSubrange(r, with: ".")
                changed = true
            }
        }
        return changed ? String(path[..<slash]) + name : nil
    }
}
