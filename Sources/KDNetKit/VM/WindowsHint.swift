import Foundation

/// Maps libosinfo ids and Proxmox ostypes to a release `kdnetctl nics --windows` accepts.
/// Servers map to their build number because kdnetctl judges a bare build by the newest
/// client release at or below it.
public enum WindowsHint {
    static let libosinfo: [String: String] = [
        "http://microsoft.com/win/11": "11",
        "http://microsoft.com/win/10": "10",
        "http://microsoft.com/win/8.1": "8.1",
        "http://microsoft.com/win/8": "8",
        "http://microsoft.com/win/2k25": "26100",
        "http://microsoft.com/win/2k22": "20348",
        "http://microsoft.com/win/2k19": "17763",
        "http://microsoft.com/win/2k16": "14393",
        "http://microsoft.com/win/2k12r2": "9600",
        "http://microsoft.com/win/2k12": "9200",
    ]

    /// Proxmox's ostypes name a family, not a release: win11 covers 11/2022/2025, win10 covers
    /// 10/2016/2019, win8 covers 8.x/2012/2012r2 (qemu-server's ostype description). Older
    /// ones (win7, w2k8, wxp...) predate KDNET and map to nil.
    static let proxmox: [String: String] = [
        "win11": "11",
        "win10": "10",
        "win8": "8.1",
    ]

    public static func release(forOSHint hint: String?) -> String? {
        guard let hint else { return nil }
        let h = hint.trimmingCharacters(in: .whitespaces).lowercased()
        let trimmed = h.hasSuffix("/") ? String(h.dropLast()) : h
        return libosinfo[trimmed] ?? proxmox[trimmed]
    }
}
