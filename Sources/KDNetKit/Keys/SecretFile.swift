import Foundation

/// The one rule for every file that holds a secret (a key file, a listener.json, an
/// answers file or inventory that gives a key, a token file): refused when its group or
/// other users have any permission on it. A bit for the group or for others means someone
/// besides the owner can get at the secret, or could once chmod'ed back (execute alone
/// still says the mode was set carelessly), so the secret is treated as exposed.
///
/// The mode is taken from the open descriptor (`fstat`), so the file judged is the file
/// read: a rename between a check by path and the read cannot swap it.
public enum SecretFile {
    /// What was found about a file's owner and mode, for the decision and the message.
    public struct Access: Sendable, Equatable {
        public var mode: mode_t
        public var owner: uid_t
        public init(mode: mode_t, owner: uid_t) { self.mode = mode & 0o7777; self.owner = owner }
        public init(_ info: stat) { self.init(mode: info.st_mode, owner: info.st_uid) }
        /// Group or others hold some permission bit.
        public var isOpen: Bool { mode & 0o077 != 0 }
    }

    /// nil when the file may hold `secret`; else why not, worded for `path`.
    /// `secret` says what the file holds, e.g. "the key", "the targets' keys", "the token".
    public static func problem(_ access: Access, path: String, holding secret: String,
                               euid: uid_t = geteuid()) -> SecretFileError? {
        guard access.isOpen else { return nil }
        return SecretFileError(path: path, secret: secret, mode: access.mode, owner: access.owner,
                               ownedByUser: access.owner == euid, ownerName: userName(access.owner))
    }

    /// Checks the file open on `fd` (opened from `path`).
    public static func check(fd: Int32, path: String, holding secret: String) throws(SecretFileError) {
        var info = stat()
        guard fstat(fd, &info) == 0 else { return }
        if let problem = problem(Access(info), path: path, holding: secret) { throw problem }
    }

    /// Reads `path` as text (bounded, decoded as `TextInput` decodes) and refuses it when
    /// others can get at it. Used where the whole file is the secret (a token file); a file
    /// that may or may not hold one reads with `TextInput.readWithAccess` and calls
    /// `problem` once it knows.
    public static func readText(path: String, holding secret: String, expecting: String,
                                limit: Int = TextInput.defaultLimit) throws -> String {
        let (text, access) = try TextInput.readWithAccess(path: path, expecting: expecting, limit: limit)
        if let access, let problem = problem(access, path: path, holding: secret) { throw problem }
        return text
    }

    static func userName(_ uid: uid_t) -> String? {
        guard let entry = getpwuid(uid), let name = entry.pointee.pw_name else { return nil }
        return String(cString: name)
    }
}

/// A file holding a secret that others can get at: one line naming the file, its mode,
/// and the fix that is the user's to make.
public struct SecretFileError: Error, Equatable, Sendable, LocalizedError {
    public let path: String
    /// What the file holds: "the key", "the targets' keys".
    public let secret: String
    public let mode: mode_t
    public let owner: uid_t
    /// Whether the user running kdnetctl owns the file (and so can chmod it).
    public let ownedByUser: Bool
    public let ownerName: String?

    public init(path: String, secret: String, mode: mode_t, owner: uid_t, ownedByUser: Bool, ownerName: String? = nil) {
        self.path = path; self.secret = secret; self.mode = mode; self.owner = owner
        self.ownedByUser = ownedByUser; self.ownerName = ownerName
    }

    /// "0640".
    public var modeText: String {
        let digits = String(mode & 0o7777, radix: 8)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    var who: String {
        switch (mode & 0o070 != 0, mode & 0o007 != 0) {
        case (true, true): return "its group and every other user"
        case (true, false): return "its group"
        default: return "every other user"
        }
    }

    public var errorDescription: String? {
        let head = "\(path) holds \(secret) but its mode \(modeText) gives \(who) access"
        if ownedByUser {
            return "\(head); run `chmod 600 \(ShellWord.quoted(path))` and consider \(secret) exposed"
        }
        let ownerText = ownerName.map { "\($0) (uid \(owner))" } ?? "uid \(owner)"
        return "\(head), and it belongs to \(ownerText), not to you, so it is not yours to fix: copy \(secret) into a file of your own (mode 0600) or ask its owner to make it 0600, and consider \(secret) exposed"
    }
}
