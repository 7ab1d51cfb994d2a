import Foundation

/// Routes SIGINT and SIGTERM (or the signals given) to a handler instead of their
/// default action, until `cancel()` gives them back their default. Listen,
/// simulate-target, the wizard's wait for the target and `inspect --live` stop this
/// way: cleanly, with their report, and without touching the target. `serve` also
/// routes SIGHUP (re-read the config) through a second route.
final class SignalRoute: @unchecked Sendable {
    private let signals: [Int32]
    private var sources: [DispatchSourceSignal]

    init(_ signals: [Int32] = [SIGINT, SIGTERM], handler: @escaping @Sendable () -> Void) {
        self.signals = signals
        sources = signals.map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler(handler: handler)
            source.resume()
            return source
        }
    }

    func cancel() {
        for source in sources { source.cancel() }
        sources = []
        for number in signals { signal(number, SIG_DFL) }
    }
}
