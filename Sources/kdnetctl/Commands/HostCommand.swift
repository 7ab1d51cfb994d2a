import ArgumentParser
import KDNetKit

struct HostCommand: KdnetctlCommand {
    static let configuration = CommandConfiguration(
        commandName: "host",
        abstract: "List this host's interfaces and routes, and pick the address to give the target as hostip.",
        discussion: """
            The address recommended is the one on the interface of the default route (or of \
            the route towards --target), skipping loopback and container/VM bridges (docker0, \
            virbr*, br-*, veth*, cni*, ...) unless --include-virtual is given. Warns when the \
            address is link-local or when the host sits on several subnets.
            """
    )

    @Option(help: ArgumentHelp("The target's IP address, to choose by the route towards it.", valueName: "addr"))
    var target: IPAddress?

    @Flag(name: .customLong("include-virtual"), help: "Consider container and VM bridges too (for a VM target on this host).")
    var includeVirtual = false

    @OptionGroup var output: OutputOptions

    func execute() async throws {
        let advice = try HostAdvice.advise(target: target, includeVirtual: includeVirtual)
        if output.json { try Console.json(advice) } else { render(advice) }
    }

    private func render(_ a: HostAdvice) {
        for i in a.interfaces {
            let state = i.link == "up" ? Console.paint(i.link, .green) : i.link
            Console.out(Console.paint(TerminalText.escaped(i.name), .bold) + "  \(state)  mtu \(i.mtu)" + (i.mac.map { "  \($0)" } ?? ""))
            for addr in i.addresses { Console.out("    \(addr.address)/\(addr.prefixLength)  \(addr.scope)") }
            Console.out(Console.paint("    " + TerminalText.escaped(i.note), .dim))
        }
        let defaults = a.routes.filter(\.isDefault)
        Console.out("")
        if defaults.isEmpty { Console.out("Default routes: none") }
        for r in defaults {
            Console.out("Default route: via \(r.gateway.map(\.description) ?? "(direct)") dev \(TerminalText.escaped(r.interface)) metric \(r.metric)")
        }
        if let t = a.routeToTarget {
            Console.out("Route to \(t.destination): dev \(TerminalText.escaped(t.interface))" + (t.gateway.map { " via \($0)" } ?? " (directly connected)"))
        }
        Console.out("")
        if let r = a.recommended {
            Console.out("Recommended hostip: " + Console.paint(r.address.description, .cyan) + " (\(TerminalText.escaped(r.interface)))")
            Console.out("  why: \(TerminalText.escaped(r.reason))")
        } else {
            Console.out("No recommended hostip.")
        }
        for w in a.warnings { Console.err(Console.paint("warning:", .yellow, stderr: true) + " " + w) }
    }
}
