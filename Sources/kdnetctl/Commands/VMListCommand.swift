import ArgumentParser
import Foundation
import KDNetKit

struct VMListCommand: KdnetctlCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the VMs libvirt, QEMU processes and Proxmox configuration files show.",
        discussion: "A source that cannot be read is named, not hidden. Exits 0 when the list could be made, even if empty."
    )
    @OptionGroup var vmSources: VMSourceOptions
    @OptionGroup var output: OutputOptions

    struct Listing: Encodable {
        struct Entry: Encodable {
            var name: String
            var source: VMSource
            var state: VMState
            var machine: String
            var osHint: String?
            var nics: [String]
        }
        var vms: [Entry]
        var problems: [String]
    }

    func execute() async throws {
        let catalog = VMCatalog.load(vmSources.sources)
        let listing = Listing(vms: catalog.vms.map {
            .init(name: $0.name, source: $0.source, state: $0.state, machine: $0.machine, osHint: $0.osHint,
                  nics: $0.nics.map { [$0.model ?? "?", $0.mac].compactMap { $0 }.joined(separator: " ") })
        }, problems: catalog.problems)
        if output.json { try Console.json(listing); return }
        if listing.vms.isEmpty { Console.out("No VM found.") }
        let names = listing.vms.map { TerminalText.escaped($0.name) }
        let width = names.map(\.count).max() ?? 0
        for (v, name) in zip(listing.vms, names) {
            Console.out(TerminalText.escaped("\(name.padding(toLength: width, withPad: " ", startingAt: 0))  \(v.source.rawValue.padding(toLength: 7, withPad: " ", startingAt: 0))  \(v.state.rawValue.padding(toLength: 7, withPad: " ", startingAt: 0))  \(v.machine)  \(v.nics.joined(separator: ", "))"))
        }
        for p in listing.problems { Console.err(Console.paint("note:", .yellow, stderr: true) + " not read: \(TerminalText.escaped(p))") }
    }
}
