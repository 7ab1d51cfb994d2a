/// A Windows release a target may run, the build it shipped as, and which of Microsoft's
/// supported-NIC pages (a column of the table) speaks for it.
public struct WindowsRelease: Sendable, Hashable {
    /// How the user names it: "8.1", "10 1809", "11 24H2".
    public let version: String
    public let build: Int
    /// The table column (one Microsoft page) that lists the NICs for this release.
    public let column: String

    public var name: String { "Windows \(version)" }

    /// Windows 10 1507-1607 had no page of their own, so a build between two listed
    /// releases is judged by the older page. Windows 10 20H2-22H2 share the last Windows 10
    /// page; Windows 11 23H2 is the page that added vmxnet3; 24H2 uses the newest XML list,
    /// which kdnet.exe itself ships (its ids are trusted over the prose list).
    public static let all: [WindowsRelease] = [
        .init(version: "8", build: 9200, column: "windows-8"),
        .init(version: "8.1", build: 9600, column: "windows-8-1"),
        .init(version: "10 1703", build: 15063, column: "windows-10-1703"),
        .init(version: "10 1709", build: 16299, column: "windows-10-1709"),
        .init(version: "10 1803", build: 17134, column: "windows-10-1803"),
        .init(version: "10 1809", build: 17763, column: "windows-10-1809"),
        .init(version: "10 1903", build: 18362, column: "windows-10-1903"),
        .init(version: "10 1909", build: 18363, column: "windows-10-1909"),
        .init(version: "10 2004", build: 19041, column: "windows-10-2004"),
        .init(version: "10 20H2", build: 19042, column: "windows-10"),
        .init(version: "10 21H1", build: 19043, column: "windows-10"),
        .init(version: "10 21H2", build: 19044, column: "windows-10"),
        .init(version: "10 22H2", build: 19045, column: "windows-10"),
        .init(version: "11 21H2", build: 22000, column: "windows-11-21h2"),
        .init(version: "11 22H2", build: 22621, column: "windows-11-22h2"),
        .init(version: "11 23H2", build: 22631, column: "windows-11"),
        .init(version: "11 24H2", build: 26100, column: "windows-11.commit-0d5c6da"),
    ]

    public static var newest: WindowsRelease { all[all.count - 1] }
}

/// The target's Windows as the user gave it: a named release, or a build number judged by
/// the newest release at or below it.
public struct WindowsTarget: Sendable, Hashable, Codable {
    public let release: String
    public let build: Int
    /// The release whose list decides (equal to `release` unless a bare build was given).
    public let judgedBy: WindowsRelease

    public init(_ release: WindowsRelease) {
        self.init(release: release.name, build: release.build, judgedBy: release)
    }

    private init(release: String, build: Int, judgedBy: WindowsRelease) {
        self.release = release
        self.build = build
        self.judgedBy = judgedBy
    }

    public static var newest: WindowsTarget { WindowsTarget(.newest) }

    /// Accepts "8", "8.1", "10 1703", "10-22h2", "1809", "Windows 11 24H2", "11" (its newest
    /// release), or a build number ("26100", "10.0.22631").
    public init(parsing text: String) throws {
        let words = text.lowercased()
            .replacingOccurrences(of: "windows", with: " ")
            .replacingOccurrences(of: "win", with: " ")
            .split(whereSeparator: { $0 == " " || $0 == "-" || $0 == "_" })
            .joined(separator: " ")
        guard !words.isEmpty else { throw HardwareUsageError.unknownWindows(text) }

        let matches = WindowsRelease.all.filter { r in
            let v = r.version.lowercased()
            return v == words || v.hasSuffix(" " + words)
        }
        if matches.count == 1 {
            self.init(matches[0])
            return
        }
        if words == "10" || words == "11" {
            self.init(WindowsRelease.all.last(where: { $0.version.hasPrefix(words + " ") })!)
            return
        }
        var digits = Substring(words)
        if digits.hasPrefix("10.0.") { digits = digits.dropFirst(5) }
        guard matches.isEmpty, let build = Int(digits), build > 0 else { throw HardwareUsageError.unknownWindows(text) }
        guard build >= 9200 else { throw HardwareUsageError.buildTooOld(build) }
        let release = WindowsRelease.all.last(where: { $0.build <= build })!
        if release.build == build {
            self.init(release)
        } else {
            self.init(release: "build \(build) (judged by the \(release.name) list)", build: build, judgedBy: release)
        }
    }

    enum CodingKeys: String, CodingKey { case release, build }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(release, forKey: .release)
        try c.encode(build, forKey: .build)
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let build = try c.decode(Int.self, forKey: .build)
        self = try WindowsTarget(parsing: String(build))
    }
}
