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
        public var simulatedTarget: SimulatedTarget?
        /// Running on the target (a Linux live system): pick the NIC here, probe the host.
        public var targetSide: Bool
        public var includeVirtual: Bool
        /// Seconds to wait for the target each time.
        public var connectTimeout: Double
        public var makeKey: @Sendable () -> DebugKey

        public init(outDir: URL, planDir: URL? = nil, presets: [String: String] = [:], simulatedTarget: SimulatedTarget? = nil,
                    targetSide: Bool = false, includeVirtual: Bool = false, connectTimeout: Double = 120,
                    makeKey: @escaping @Sendable () -> DebugKey = DebugKey.generate) {
            self.outDir = outDir; self.planDir = planDir; self.presets = presets; self.simulatedTarget = simulatedTarget
            self.targetSide = targetSide; self.includeVirtual = includeVirtual; self.connectTimeout = connectTimeout
            self.makeKey = makeKey
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
        try targetStep()
        try hostStep()
        try portStep()
        try nicStep()
        try precautionsStep()
        try keyStep()
        try resultStep()
        try checksStep()
        try connectionStep()
        summaryStep()
        return record
    }

    /// Takes a preset answer when there is one (stopping on a bad one), else asks.
    func ask(_ q: Question, _ report: inout StepReport, secret: Bool = false) throws -> String {
        let answer: String
        if let preset = options.presets[q.id] {
            do { answer = try q.validate(preset) } catch { throw PresetAnswerError(id: q.id, message: error.message) }
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

    /// Stops on "quit" answers; nothing has been written before the result step.
    func proceed(_ step: WizardStep, _ report: inout StepReport, prompt: String) throws {
        let q = Question(id: "proceed-\(step.rawValue)", step: step, prompt: prompt, help: report.lines,
                         choices: [Choice("continue", "Continue"), Choice("quit", "Stop here (nothing is written)")],
                         defaultValue: "continue")
        if try ask(q, &report) == "quit" {
            finish(report)
            throw WizardStopped(step: step, writtenTo: record.files.isEmpty ? nil : options.outDir.path)
        }
    }
}
