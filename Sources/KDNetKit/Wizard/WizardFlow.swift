import Foundation

/// The guided set-up as a sequence of steps over `WizardIO` and `WizardServices`:
/// it decides what to ask, checks the answers, does each step and reports it. Files
/// are written once every question before the connection is answered, so stopping
/// earlier leaves nothing behind.
public final class WizardFlow {
    public enum Debugger: String, Sendable { case kdnetctl, windbg }

    public struct Options: Sendable {
        public var outDir: URL
        /// A `kdnetctl plan` folder whose ports are taken.
        public var planDir: URL?
        /// Answers given as flags or in `--answers`, by question id; asked questions are skipped.
        public var presets: [String: String]
        /// Where each preset came from (a flag when missing), to name a refused one as it was given.
        public var presetOrigins: [String: PresetOrigin]
        public var simulatedTarget: SimulatedTarget?
        /// Running on the target (a Linux live system): pick the NIC here, probe the host.
        public var targetSide: Bool
        public var includeVirtual: Bool
        /// Seconds to wait for the target each time.
        public var connectTimeout: Double
        public var makeKey: @Sendable () -> DebugKey
        /// Where the written setup is remembered for `listen`, `doctor` and `inspect --live`;
        /// nil with `--no-remember` (and in tests, so they leave the user's state alone).
        public var memory: SetupMemory?
        /// The lab service's listener.json on this host, when there is one: the summary
        /// then offers to add the target to it.
        public var labServiceConfig: String?

        public init(outDir: URL, planDir: URL? = nil, presets: [String: String] = [:], presetOrigins: [String: PresetOrigin] = [:],
                    simulatedTarget: SimulatedTarget? = nil, targetSide: Bool = false, includeVirtual: Bool = false, connectTimeout: Double = 120,
                    makeKey: @escaping @Sendable () -> DebugKey = DebugKey.generate, memory: SetupMemory? = nil,
                    labServiceConfig: String? = nil) {
            self.outDir = outDir; self.planDir = planDir; self.presets = presets; self.presetOrigins = presetOrigins
            self.simulatedTarget = simulatedTarget
            self.targetSide = targetSide; self.includeVirtual = includeVirtual; self.connectTimeout = connectTimeout
            self.makeKey = makeKey
            self.memory = memory
            self.labServiceConfig = labServiceConfig
        }
    }

    let io: WizardIO
    let services: WizardServices
    let options: Options
    public internal(set) var record: WizardRecord

    // What the steps decided, for the later ones.
    var debugger: Debugger = .kdnetctl
    var advice: HostAdvice?
    var host: HostAddress!
    var hostInterface: String?
    var port: DebugPort!
    var windows = WindowsTarget.newest
    var nic: NICEntry?
    var busParams: BusParams?
    var virtualMachine: String?
    /// `vm check` of the VM on this host the target is, when it is one.
    var vmReport: VMCheckReport?
    var key: DebugKey!
    var setup: TargetSetup!

    public init(io: WizardIO, services: WizardServices, options: Options) {
        self.io = io; self.services = services; self.options = options
        record = WizardRecord(mode: options.targetSide ? "target-side" : options.simulatedTarget != nil ? "simulated-target" : "host")
    }

    var simulated: Bool { options.simulatedTarget != nil }

    /// Runs every step; the record says how it ended. Throws `WizardStopped` when the
    /// user stops before the files are written, and usage errors for bad presets.
    public func run() throws -> WizardRecord {
        try checkPresets()
        try targetStep()
        try hostStep()
        try portStep()
        try nicStep()
        try precautionsStep()
        try keyStep()
        // The last answer that depends on the run (this target's port and name in the lab
        // service's config), checked before the files are written.
        if debugger == .kdnetctl, !options.targetSide {
            try checkLabServicePreset(adding: .init(name: labServiceName, port: port.value, key: key.text))
        }
        try resultStep()
        try checksStep()
        try connectionStep()
        try summaryStep()
        return record
    }

    /// Takes a preset answer when there is one (stopping on a bad one), else asks.
    func ask(_ q: Question, _ report: inout StepReport, secret: Bool = false) throws -> String {
        let answer: String
        if let preset = options.presets[q.id] {
            do { answer = try q.validate(preset) } catch { throw presetError(q.id, error.message) }
        } else {
            answer = try io.ask(q)
        }
        let shown = secret ? "(given)" : answer
        report.answers[q.id] = shown
        record.choices[q.id] = shown
        return answer
    }

    func finish(_ report: StepReport) {
        record.steps.append(report)
        io.show(report)
    }

    /// A refused preset, named as the user gave it (the flag or the answers file's key).
    func presetError(_ id: String, _ message: String) -> PresetAnswerError {
        PresetAnswerError(id: id, message: message, origin: options.presetOrigins[id] ?? .flag)
    }

    /// Stops on "quit" answers; nothing has been written before the result step.
    func proceed(_ step: WizardStep, _ report: inout StepReport, prompt: String) throws {
        if try ask(Self.proceedQuestion(step, prompt: prompt, help: report.lines), &report) == "quit" {
            finish(report)
            throw WizardStopped(step: step, writtenTo: record.files.isEmpty ? nil : options.outDir.path)
        }
    }
}

extension WizardFlow {
    static func proceedQuestion(_ step: WizardStep, prompt: String, help: [String]) -> Question {
        Question(id: "proceed-\(step.rawValue)", step: step, prompt: prompt, help: help,
                 choices: [Choice("continue", "Continue"), Choice("quit", "Stop here (nothing is written)")],
                 defaultValue: "continue")
    }

    /// Checks every preset against its question's allowed values before the first step, so
    /// a bad answer to a late question (the connection's) stops the run before anything is
    /// written. What depends on the run's findings (the VM and NIC picked, a port in use
    /// here, the family of a defaulted address) is checked again when the question is asked.
    func checkPresets() throws {
        let presets = options.presets
        let windows = presets["windows"].flatMap { try? WindowsTarget(parsing: $0) } ?? WindowsTarget.newest
        let questions = [
            targetQuestion(defaultValue: nil),
            vmFixQuestion(vm: "the VM", help: []),
            debuggerQuestion(),
            familyQuestion(defaultValue: nil),
            hostQuestion(family: presets["family"].flatMap(IPAddress.Family.init(rawValue:)), choices: [], defaultValue: nil, local: false),
            portQuestion(taken: [:], checkHere: false, suggested: nil),
            windowsQuestion(defaultValue: nil),
            nicSourceQuestion(defaultValue: nil),
            pciDumpQuestion(release: String(windows.build)),
            idsQuestion(release: String(windows.build)),
            busParamsQuestion(help: ""),
            Self.proceedQuestion(.precautions, prompt: "", help: []),
            Self.proceedQuestion(.checks, prompt: "", help: []),
            connectQuestion(),
            onFailureQuestion(help: []),
            labServiceQuestion(),
        ]
        for q in questions {
            guard let preset = presets[q.id] else { continue }
            do { _ = try q.validate(preset) } catch { throw presetError(q.id, error.message) }
        }
        if let given = presets["key"] {
            do { _ = try DebugKey(parsing: given) } catch { throw presetError("key", error.errorDescription ?? "invalid key") }
        }
        try checkLabServicePreset()
    }
}
