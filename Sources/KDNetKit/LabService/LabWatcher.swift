import Foundation

public struct LabServiceOptions: Sendable {
    public var configPath: String
    public var thresholds: LabTargetTracker.Thresholds
    /// Where `NAME.log` files go; nil keeps DbgPrint output only on the board.
    public var logDirectory: URL?
    public var rotation: TargetLogFile.Rotation
    /// Listen on this local address only (default: every IPv4 and IPv6 address).
    public var bind: IPAddress?
    /// On stop, how long to wait for targets in the middle of a confirmation to be continued.
    public var releaseTimeout: SessionTime = 5
    /// Status page clients served at once (0 without one): they count in the open files needed.
    public var httpConnections = 0
    /// Where the open-file limit is read and raised (a test's fake, or this process).
    public var descriptorLimit: DescriptorLimit.System = .process

    public init(configPath: String, thresholds: LabTargetTracker.Thresholds = .init(), logDirectory: URL? = nil,
                rotation: TargetLogFile.Rotation = .init(), bind: IPAddress? = nil) {
        self.configPath = configPath; self.thresholds = thresholds; self.logDirectory = logDirectory
        self.rotation = rotation; self.bind = bind
    }
}

public enum LabServiceError: Error, LocalizedError, Sendable, Equatable {
    case nothingToServe(String)
    /// Every entry was fine but none could be bound; the first failure says why.
    case nothingBound(String, firstFailure: String)
    case logDirectory(String, String)

    public var errorDescription: String? {
        switch self {
        case .nothingToServe(let path):
            return "no target of \(path) can be served (every entry was refused, see above); fix the entries or re-run `kdnetctl plan`"
        case .nothingBound(let path, let first):
            return "no target of \(path) could be bound (the first: \(first)); free the ports, or give serve an address of this host with --bind"
        case .logDirectory(let path, let why):
            return "cannot use \(path) for the targets' logs: \(why); give a writable folder with --log-dir"
        }
    }
}

/// The UDP side of `kdnetctl serve`: one port per target of the config (IPv4 and IPv6),
/// one `HostSession` (confirm mode: break in once, read the version, continue, then keep
/// it running) and one `LabTargetTracker` each, the DbgPrint output to log files, and the
/// fleet published to `board` after every change. Runs on the thread that calls `run()`;
/// the board is the only thing other threads (the HTTP side) read. (Unchecked Sendable
/// only so it can be handed to the thread that runs it.)
public final class LabWatcher: @unchecked Sendable {
    struct Watched {
        var entry: ListenerConfig.Target
        var sockets: [UDPSocket]
        var session: HostSession
        var tracker: LabTargetTracker
        var log: TargetLogFile?
        var sendFailuresSaid: Set<String> = []
    }

    public let options: LabServiceOptions
    public let board: LabStatusBoard
    private let stop: WakePipe
    private let reload: WakePipe
    private let onEvent: (LabEvent) -> Void
    private let buffer = ReceiveBuffer()
    private let origin: Date
    private var watched: [Watched] = []
    /// Every socket of `watched` with its target, in the order of `polled`'s first entries.
    private var owners: [(index: Int, socket: UDPSocket)] = []
    /// The sockets, then the stop and reload pipes: kept between waits (rebuilt when the
    /// targets change), not rebuilt for every datagram.
    private var polled = PollSet([])
    /// The whole fleet changed (start, reload): publish every target.
    private var fleetChanged = false
    /// Targets whose status changed since the last publish, and those whose lines did.
    private var changed: Set<Int> = []
    private var linesChanged: Set<Int> = []
    private var reloadPending = false
    private var config: ListenerConfig

    /// Reads the config (leniently: a bad entry is refused and said) and binds every port
    /// now, so the caller can say the service is ready. Throws when the file cannot be
    /// read at all or no target could be bound.
    public init(options: LabServiceOptions, stop: WakePipe, reload: WakePipe, onEvent: @escaping (LabEvent) -> Void) throws {
        self.options = options
        self.stop = stop
        self.reload = reload
        self.onEvent = onEvent
        let now = MonotonicClock.now()
        origin = Date().addingTimeInterval(-now)
        // The config first: a wrong path must not leave a log folder behind.
        let lenient = try ListenerConfig.loadLenient(from: URL(fileURLWithPath: options.configPath))
        // Room for every socket and log file first: past the limit, binding would fail
        // port after port with EMFILE, far from the cause.
        let raised = try DescriptorLimit.ensure(Self.budget(lenient.config.targets.count, options), system: options.descriptorLimit)
        if let dir = options.logDirectory { try Self.prepareLogDirectory(dir) }
        config = lenient.config
        board = LabStatusBoard(LabServiceSnapshot(startedAt: origin.addingTimeInterval(now), configPath: options.configPath))
        if let raised { say(Self.event(raised)) }
        say(refused: lenient.refused)
        var served: [ListenerConfig.Target] = []
        var firstFailure: String?
        for entry in lenient.config.targets {
            switch watch(entry, at: now) {
            case .success(let w): watched.append(w); served.append(entry)
            case .failure(let why): firstFailure = firstFailure ?? "\(entry.name): \(why)"
            }
        }
        config.targets = served
        guard !watched.isEmpty else {
            if let firstFailure { throw LabServiceError.nothingBound(options.configPath, firstFailure: firstFailure) }
            throw LabServiceError.nothingToServe(options.configPath)
        }
        rebuildOwners()
        fleetChanged = true
        publishIfDirty()
    }

    /// The ports being served, in config order.
    public var ports: [UInt16] { watched.map(\.entry.port) }

    /// Serves until `stop` is woken (re-reading the config whenever `reload` is), then
    /// continues every target this host holds stopped (bounded by `releaseTimeout`) and
    /// returns. Never breaks in once stopping.
    public func run() throws {
        var releaseEnd: SessionTime?
        while true {
            let now = MonotonicClock.now()
            if releaseEnd == nil, stop.isWoken { releaseEnd = beginRelease(at: now) }
            if let end = releaseEnd, now >= end || !watched.contains(where: { $0.session.holdsTarget }) {
                finishRelease()
                return
            }
            if releaseEnd == nil, reload.consume() { reloadPending = true }
            // A session dropped or re-keyed in the middle of a confirmation would leave its
            // target halted: the reload waits until none is (a retransmission deadline
            // wakes the loop, and a target that stopped answering is given up within seconds).
            if reloadPending, !watched.contains(where: { $0.session.holdsTarget }) {
                reloadPending = false
                reloadConfig(at: now)
            }
            // One pass over the targets: the timers due, and the next one (no array per target).
            var next = releaseEnd
            for i in watched.indices {
                if let due = watched[i].session.nextDeadline, now >= due {
                    let out = watched[i].session.tick(at: now)
                    deliver(out, to: i, received: false, at: now)
                }
                if let due = watched[i].tracker.nextDeadline, now >= due {
                    absorb(watched[i].tracker.tick(at: now), of: i)
                }
                next = Self.earlier(next, Self.earlier(watched[i].session.nextDeadline, watched[i].tracker.nextDeadline))
            }
            publishIfDirty()
            // Once stopping, the pipes are left out: the stop pipe stays readable.
            polled.count = releaseEnd == nil ? owners.count + 2 : owners.count
            for k in try polled.wait(until: next) where k < owners.count {
                let (i, socket) = owners[k]
                // Bounded, so one flooded port cannot starve the others.
                for _ in 0..<HostListener.receiveBatch {
                    guard let (bytes, from) = socket.receive(using: buffer) else { break }
                    let at = MonotonicClock.now()
                    let out = watched[i].session.receive(bytes, from: from, at: at)
                    deliver(out, to: i, received: true, at: at)
                }
            }
        }
    }

    // MARK: targets

    /// The target's sockets and session; the failure (said as an event too) when its
    /// port cannot be bound.
    private func watch(_ entry: ListenerConfig.Target, at now: SessionTime) -> Result<Watched, WatchFailure> {
        let sockets: [UDPSocket]
        let session: HostSession
        do {
            // The config's reader checked the key, so this throws only if the two drift apart.
            session = try Self.session(for: entry)
            sockets = try UDPSocket.listening(on: entry.port, bind: options.bind)
        } catch {
            let why = error.localizedDescription
            say(LabEvent(.error, "bind", target: entry.name, "not served: \(why)", fields: ["port": .number(entry.port)]))
            return .failure(WatchFailure(text: why))
        }
        return .success(Watched(entry: entry, sockets: sockets, session: session, tracker: tracker(for: entry, at: now),
                                log: options.logDirectory.map { TargetLogFile(directory: $0, name: entry.name, rotation: options.rotation) }))
    }

    private static func session(for entry: ListenerConfig.Target) throws -> HostSession {
        HostSession(configuration: try ListenTarget(entry).sessionConfiguration(mode: .confirm))
    }

    struct WatchFailure: Error, CustomStringConvertible {
        var text: String
        var description: String { text }
    }

    /// Made if missing; an unusable path is said by the system's reason, not Foundation's.
    private static func prepareLogDirectory(_ dir: URL) throws(LabServiceError) {
        var info = stat()
        if stat(dir.path, &info) == 0 {
            guard info.st_mode & S_IFMT == S_IFDIR else { throw .logDirectory(dir.path, "it exists and is not a folder") }
        } else {
            do { try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true) } catch {
                let posix = (error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError
                let code = posix?.domain == NSPOSIXErrorDomain ? Int32(posix!.code) : errno
                throw .logDirectory(dir.path, code != 0 ? String(cString: strerror(code)) : "it cannot be made")
            }
        }
        guard access(dir.path, W_OK) == 0 else { throw .logDirectory(dir.path, String(cString: strerror(errno))) }
    }

    private func tracker(for entry: ListenerConfig.Target, at now: SessionTime) -> LabTargetTracker {
        LabTargetTracker(name: entry.name, port: entry.port, thresholds: options.thresholds, origin: origin, at: now)
    }

    private func deliver(_ out: SessionOutput, to i: Int, received: Bool, at now: SessionTime) {
        for d in out.datagrams { send(d, from: i) }
        let observation = watched[i].tracker.observe(out, of: watched[i].session, received: received, at: now)
        if out.events.contains(where: { if case .connected = $0 { return true } else { return false } }),
           let peer = watched[i].session.peer {
            // The neighbour entry exists once the target sent; a miss is tried at the next connect.
            if watched[i].tracker.setMAC(HostNetwork.neighbourMAC(for: peer.address)) { changed.insert(i) }
        }
        absorb(observation, of: i)
    }

    private func absorb(_ o: LabTargetTracker.Observation, of i: Int) {
        if o.changed { changed.insert(i) }
        for e in o.events { say(e) }
        guard !o.lines.isEmpty else { return }
        linesChanged.insert(i)
        guard let log = watched[i].log else { return }
        let name = watched[i].entry.name
        switch log.append(o.lines) {
        case .written, .dropped: break
        case .startedFailing(let why):
            say(LabEvent(.error, "log-write", target: name, "\(why); dropping its DbgPrint lines until writing works again (the session goes on)",
                         fields: ["path": .text(log.url.path)]))
        case .recovered(let dropped):
            say(LabEvent(.notice, "log-write", target: name, "writing \(log.url.path) works again; \(dropped) lines were dropped",
                         fields: ["path": .text(log.url.path), "dropped": .number(dropped)]))
        }
    }

    private func send(_ d: OutgoingDatagram, from i: Int) {
        do throws(ListenerError) {
            guard let socket = watched[i].sockets.first(where: { $0.family == d.destination.family }) else {
                throw ListenerError.sendFailed(d.destination.description, "no \(d.destination.family.name) socket is bound")
            }
            try socket.send(d.bytes, to: d.destination)
        } catch {
            let text = error.localizedDescription
            // Once per reason and target: a target that cannot be reached keeps poking.
            if watched[i].sendFailuresSaid.count < 8, watched[i].sendFailuresSaid.insert(text).inserted {
                say(LabEvent(.warning, "send-failed", target: watched[i].entry.name, text))
            }
        }
    }

    // MARK: reload

    private func reloadConfig(at now: SessionTime) {
        let lenient: ListenerConfig.Lenient
        do { lenient = try ListenerConfig.loadLenient(from: URL(fileURLWithPath: options.configPath)) } catch {
            say(LabEvent(.error, "config", "reload refused, the running config stays: \(error.localizedDescription)"))
            return
        }
        say(refused: lenient.refused)
        do throws(DescriptorLimitError) {
            if let raised = try DescriptorLimit.ensure(Self.budget(lenient.config.targets.count, options), system: options.descriptorLimit) {
                say(Self.event(raised))
            }
        } catch {
            // The targets that fit are still bound; each one that does not is said as it fails.
            say(LabEvent(.error, "fd-limit", error.localizedDescription))
        }
        let diff = LabConfigDiff(old: config.targets, new: lenient.config.targets)
        var byName = Dictionary(watched.map { ($0.entry.name, $0) }, uniquingKeysWith: { a, _ in a })
        // byName holds the only references now, so dropping a socket there closes it.
        watched = []
        owners = []
        polled = PollSet([])
        // Close what goes away first: an added target may take a removed one's port.
        for name in diff.removed + diff.moved {
            byName[name]?.sockets = []
            byName[name]?.log?.close()
            if diff.removed.contains(name) { byName[name] = nil }
        }
        var next: [Watched] = []
        var served: [ListenerConfig.Target] = []
        for entry in lenient.config.targets {
            if diff.kept.contains(entry.name), let w = byName[entry.name] {
                next.append(w)
            } else if diff.rekeyed.contains(entry.name), var w = byName[entry.name], let session = try? Self.session(for: entry) {
                w.entry = entry
                w.session = session
                w.tracker = tracker(for: entry, at: now)
                next.append(w)
            } else if case .success(let w) = watch(entry, at: now) {
                next.append(w)
            } else {
                continue
            }
            served.append(entry)
        }
        watched = next
        config = lenient.config
        config.targets = served
        rebuildOwners()
        fleetChanged = true
        // Raw names: the log handler escapes a text line as a whole, and JSON keeps them raw.
        func list(_ names: [String]) -> String { names.isEmpty ? "none" : names.joined(separator: ", ") }
        say(LabEvent(.notice, "config", "reloaded \(options.configPath): \(watched.count) targets; added \(list(diff.added)), removed \(list(diff.removed)), re-keyed \(list(diff.rekeyed)), moved \(list(diff.moved)), \(diff.kept.count) unchanged",
                     fields: ["targets": .number(watched.count), "added": .texts(diff.added), "removed": .texts(diff.removed),
                              "rekeyed": .texts(diff.rekeyed), "moved": .texts(diff.moved)]))
    }

    // MARK: stopping

    /// Every session stops breaking in; returns when to give up waiting for the targets held.
    private func beginRelease(at now: SessionTime) -> SessionTime {
        for i in watched.indices {
            watched[i].session.release()
            if watched[i].session.holdsTarget {
                say(LabEvent(.notice, "release", target: watched[i].entry.name, "stopping: continuing the target before exit"))
            }
        }
        return now + options.releaseTimeout
    }

    private func finishRelease() {
        for w in watched where w.session.holdsTarget {
            say(LabEvent(.error, "release", target: w.entry.name, "the target did not acknowledge the continue within \(LabTargetTracker.seconds(options.releaseTimeout)); it may be halted: reboot it or attach a debugger and continue it"))
        }
        for w in watched {
            w.log?.close()
            let s = w.tracker.status
            say(LabEvent(.info, "summary", target: s.name,
                         "\(s.state.rawValue); \(s.traffic.total) datagrams (\(s.traffic.authenticated) authentic, \(s.traffic.wrongKey) with another key, \(s.traffic.unexpectedSource) from an unexpected address), \(s.reboots) reboots",
                         fields: ["state": .text(s.state.rawValue), "port": .number(s.port), "datagrams": .number(s.traffic.total),
                                  "wrong_key": .number(s.traffic.wrongKey), "unexpected_source": .number(s.traffic.unexpectedSource),
                                  "reboots": .number(s.reboots)]))
        }
        publishIfDirty()
    }

    // MARK: board and log

    private func rebuildOwners() {
        owners = watched.indices.flatMap { i in watched[i].sockets.map { (i, $0) } }
        polled = PollSet(owners.map(\.socket.fd) + [stop.readFD, reload.readFD])
    }

    /// Publishes what changed since the last time: every target after a start or reload,
    /// else only the targets that changed (a fleet streaming DbgPrint changes a few at a
    /// time, and the HTTP side reads the board under the same lock).
    private func publishIfDirty() {
        if fleetChanged {
            board.publish(watched.map(\.tracker.status),
                          recentLines: Dictionary(watched.map { ($0.entry.name, $0.tracker.recentLines) }, uniquingKeysWith: { a, _ in a }))
        } else if !changed.isEmpty || !linesChanged.isEmpty {
            board.update(changed.union(linesChanged).map { i in
                LabStatusBoard.Change(index: i, status: watched[i].tracker.status,
                                      recentLines: linesChanged.contains(i) ? watched[i].tracker.recentLines : nil)
            })
        }
        fleetChanged = false
        changed.removeAll(keepingCapacity: true)
        linesChanged.removeAll(keepingCapacity: true)
    }

    private static func budget(_ targets: Int, _ options: LabServiceOptions) -> DescriptorBudget {
        DescriptorBudget(ports: targets, bind: options.bind, logFiles: options.logDirectory != nil, httpConnections: options.httpConnections)
    }

    private static func event(_ raised: DescriptorLimit.Raised) -> LabEvent {
        LabEvent(.info, "fd-limit", raised.message, fields: ["from": .number(raised.from), "to": .number(raised.to), "hard": .number(raised.hard)])
    }

    private static func earlier(_ a: SessionTime?, _ b: SessionTime?) -> SessionTime? {
        guard let a else { return b }
        guard let b else { return a }
        return min(a, b)
    }

    private func say(_ e: LabEvent) { onEvent(e) }

    private func say(refused: [ListenerConfigError]) {
        for problem in refused {
            say(LabEvent(.error, "config", "entry refused, the others run: \(problem.localizedDescription)"))
        }
    }
}
