import Foundation

/// The file descriptors a listener or the lab service holds at once, and what that asks
/// of RLIMIT_NOFILE. A login shell's soft limit is often 1024 and systemd gives services
/// 1024 too, while the hard limit is far higher (524288 for services): 500 targets on
/// every address are 1,000 UDP sockets and 500 log files, so without raising the soft
/// limit the ports past the first few hundred would fail to bind. The arithmetic is here,
/// the system calls in `DescriptorLimit`.
public struct DescriptorBudget: Sendable, Equatable {
    /// UDP sockets: one per port and address family.
    public var sockets: Int
    public var logFiles: Int
    /// The status page's listening socket and the clients it serves at once.
    public var http: Int
    /// What every process of ours holds besides: stdin/out/err, the stop and reload pipes,
    /// the status page's wake pipe, the netlink socket for the neighbour table, the Swift
    /// runtime's and Foundation's own, a config file being read. serve with its status page
    /// holds 17 such (counted in /proc/PID/fd); the rest is slack.
    public static let reserve = 24

    public init(sockets: Int, logFiles: Int = 0, http: Int = 0) {
        self.sockets = sockets; self.logFiles = logFiles; self.http = http
    }

    /// `ports` targets, each on IPv4 and IPv6 unless `bind` names one address, each with
    /// its log file when there is a log folder, and `httpConnections` status page clients
    /// (0 for none).
    public init(ports: Int, bind: IPAddress?, logFiles: Bool = false, httpConnections: Int = 0) {
        self.init(sockets: ports * (bind == nil ? 2 : 1), logFiles: logFiles ? ports : 0,
                  http: httpConnections > 0 ? httpConnections + 1 : 0)
    }

    public var needed: Int { sockets + logFiles + http + Self.reserve }

    public enum Plan: Sendable, Equatable {
        /// The soft limit covers it: nothing to do.
        case enough
        /// Raise the soft limit to this (within the hard limit).
        case raise(to: UInt64)
        /// Even the hard limit is lower: only root (CAP_SYS_RESOURCE) can raise it.
        case beyondHardLimit
    }

    /// What to do with the limits `soft` and `hard` (RLIM_INFINITY is UInt64.max on Linux): raise
    /// the soft limit only as far as needed, never lower it, never past the hard one.
    public func plan(soft: UInt64, hard: UInt64) -> Plan {
        let needed = UInt64(needed)
        if soft >= needed { return .enough }
        if hard >= needed { return .raise(to: needed) }
        return .beyondHardLimit
    }

    /// What the descriptors are for, for a person: "1000 UDP sockets, 500 log files, 257 for the status page and 24 for the rest".
    public var breakdown: String {
        var parts = ["\(sockets) UDP socket\(sockets == 1 ? "" : "s")"]
        if logFiles > 0 { parts.append("\(logFiles) log file\(logFiles == 1 ? "" : "s")") }
        if http > 0 { parts.append("\(http) for the status page") }
        return parts.joined(separator: ", ") + " and \(Self.reserve) for the rest"
    }
}

/// The open-file limit is too low for the targets; each with its fix.
public enum DescriptorLimitError: Error, LocalizedError, Sendable, Equatable {
    /// `statusPage`: the status page's share is in `needed`, so serving without it is a fix too.
    case beyondHardLimit(needed: Int, hard: UInt64, breakdown: String, statusPage: Bool)
    case raiseRefused(needed: Int, soft: UInt64, reason: String)

    public var errorDescription: String? {
        switch self {
        case .beyondHardLimit(let needed, let hard, let breakdown, let statusPage):
            return "kdnetctl needs \(needed) open files for these targets (\(breakdown)) but may open at most \(hard) (the RLIMIT_NOFILE hard limit, which only root can raise); raise it to \(needed) or more: `ulimit -Hn \(needed)` as root in the shell that starts kdnetctl, or LimitNOFILE=\(needed) in its systemd unit"
                + (statusPage ? "; or serve without the status page (--no-http)" : "")
        case .raiseRefused(let needed, let soft, let reason):
            return "kdnetctl needs \(needed) open files for these targets but the limit is \(soft) and raising it failed (\(reason)); run `ulimit -n \(needed)` before kdnetctl, or set LimitNOFILE=\(needed) in its systemd unit"
        }
    }
}

/// RLIMIT_NOFILE of this process, raised as a `DescriptorBudget` needs.
public enum DescriptorLimit {
    public struct Limits: Sendable, Equatable {
        public var soft: UInt64
        public var hard: UInt64
        public init(soft: UInt64, hard: UInt64) { self.soft = soft; self.hard = hard }
    }

    /// A raise that was made, for the log.
    public struct Raised: Sendable, Equatable {
        public var from: UInt64
        public var to: UInt64
        public var hard: UInt64
        /// The hard limit before, when it was raised too (root may).
        public var hardWas: UInt64?
        public init(from: UInt64, to: UInt64, hard: UInt64, hardWas: UInt64? = nil) {
            self.from = from; self.to = to; self.hard = hard; self.hardWas = hardWas
        }
        public var message: String {
            "raised the open-file limit (RLIMIT_NOFILE) from \(from) to \(to) for the targets ("
                + (hardWas.map { "hard limit raised from \(Self.text($0)) too" } ?? "hard limit \(Self.text(hard))") + ")"
        }
        static func text(_ limit: UInt64) -> String { limit == .max ? "unlimited" : String(limit) }
    }

    /// The calls, replaceable so a test can be a process with other limits.
    public struct System: Sendable {
        public var get: @Sendable () -> Limits
        /// Sets both limits; nil when done, else why not (strerror). Raising the hard
        /// limit needs root (CAP_SYS_RESOURCE).
        public var set: @Sendable (_ soft: UInt64, _ hard: UInt64) -> String?

        public init(get: @escaping @Sendable () -> Limits, set: @escaping @Sendable (UInt64, UInt64) -> String?) {
            self.get = get; self.set = set
        }

        public static let process = System(get: {
            var l = rlimit()
            getrlimit(Int32(RLIMIT_NOFILE.rawValue), &l)
            return Limits(soft: UInt64(l.rlim_cur), hard: UInt64(l.rlim_max))
        }, set: { soft, hard in
            var l = rlimit(rlim_cur: rlim_t(soft), rlim_max: rlim_t(hard))
            return setrlimit(Int32(RLIMIT_NOFILE.rawValue), &l) == 0 ? nil : String(cString: strerror(errno))
        })
    }

    /// Makes room for `budget`: nil when the soft limit already does, the raise made
    /// otherwise. Past the hard limit it raises that too when it may (root); when it may
    /// not, it still raises the soft limit to the hard one, so that as many targets as fit
    /// are served where the caller goes on (a reload), and throws, naming the fix.
    @discardableResult
    public static func ensure(_ budget: DescriptorBudget, system: System = .process) throws(DescriptorLimitError) -> Raised? {
        let limits = system.get()
        switch budget.plan(soft: limits.soft, hard: limits.hard) {
        case .enough:
            return nil
        case .raise(let to):
            if let why = system.set(to, limits.hard) { throw .raiseRefused(needed: budget.needed, soft: limits.soft, reason: why) }
            return Raised(from: limits.soft, to: to, hard: limits.hard)
        case .beyondHardLimit:
            let needed = UInt64(budget.needed)
            if system.set(needed, needed) == nil { return Raised(from: limits.soft, to: needed, hard: needed, hardWas: limits.hard) }
            if limits.soft < limits.hard { _ = system.set(limits.hard, limits.hard) }
            throw .beyondHardLimit(needed: budget.needed, hard: limits.hard, breakdown: budget.breakdown, statusPage: budget.http > 0)
        }
    }
}
