/// How the flow talks to a person (or a script): the executable implements it with a
/// raw-mode terminal, plain line prompts, or preset answers. The flow never prints.
public protocol WizardIO: AnyObject {
    /// A step begins.
    func begin(_ step: WizardStep)
    /// Returns an answer that `question.validate` accepts; asks again itself on a bad one.
    func ask(_ question: Question) throws -> String
    /// A step is done.
    func show(_ report: StepReport)
    /// A live status while waiting (the connection); `nil` clears it.
    func status(_ text: String?)
    /// Something said once while waiting that must stay on screen (the DHCP hint).
    func note(_ text: String)
}
