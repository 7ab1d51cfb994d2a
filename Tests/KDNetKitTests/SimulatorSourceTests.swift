import Foundation
import Testing
@testable import KDNetKit

/// Where the simulated target sends from beside a listener on the same machine, and the
/// numbers it refuses.
@Suite(.serialized) struct SimulatorSourceTests {
    static let key = try! DebugKey(parsing: "1.2.3.4")

    static func options(_ host: String, port: UInt16) -> SimulatorOptions {
        SimulatorOptions(hostIP: IPAddress(host)!, port: port, key: key, kernel: WizardConnection.simulatedKernel)
    }

    /// A port nobody held a moment ago (the system's pick for port 0).
    static func freePort() throws -> UInt16 { try UDPSocket(bind: Endpoint("127.0.0.1", port: 0)!).port }

    @Test func besideAListenerOnEveryAddressItSendsFromAnotherPort() throws {
        let port = try Self.freePort()
        let listener = try UDPSocket.listening(on: port, bind: nil)  // `listen` without --bind
        let simulator = try TargetSimulator(options: Self.options("127.0.0.1", port: port))
        #expect(simulator.ownEndpoint.address.description == "127.0.0.2")
        #expect(simulator.ownEndpoint.port != port && simulator.ownEndpoint.port != 0)
        withExtendedLifetime(listener) {}
    }

    @Test func besideAListenerOnTheHostAddressItKeepsThePortOnAnotherLoopbackAddress() throws {
        let port = try Self.freePort()
        let listener = try UDPSocket(bind: Endpoint("127.0.0.1", port: port)!)
        let simulator = try TargetSimulator(options: Self.options("127.0.0.1", port: port))
        #expect(simulator.ownEndpoint == Endpoint("127.0.0.2", port: port))
        // A second simulator beside both takes the next loopback address.
        let second = try TargetSimulator(options: Self.options("127.0.0.1", port: port))
        #expect(second.ownEndpoint == Endpoint("127.0.0.3", port: port))
        withExtendedLifetime((listener, simulator)) {}
    }

    /// Towards ::1 nothing holds the port: IPv6 has no second loopback address to send
    /// from beside the host's, and that, not a listener, is what is said.
    @Test func towardsIPv6LoopbackItSaysWhyNotThePort() throws {
        let port = try Self.freePort()
        let simulator = try TargetSimulator(options: Self.options("::1", port: port))
        #expect(simulator.ownEndpoint.address.description == "::1" && simulator.ownEndpoint.port != port)
        #expect(simulator.otherPortReason == "::1 is IPv6's only loopback address and the host's own, which leaves no other address to send from at port \(port)")
        // With a listener beside it, the port taken is what is said.
        let listener = try UDPSocket.listening(on: port, bind: nil)
        let beside = try TargetSimulator(options: Self.options("127.0.0.1", port: port))
        #expect(beside.otherPortReason == "port \(port) is taken on 127.0.0.2-127.0.0.9 (by a listener bound to every address?)")
        let direct = try TargetSimulator(options: Self.options("127.0.0.1", port: try Self.freePort()))
        #expect(direct.otherPortReason == nil)
        withExtendedLifetime(listener) {}
    }

    @Test func aBindOfTheOtherFamilyIsRefusedNamingBoth() throws {
        var o = Self.options("127.0.0.1", port: try Self.freePort())
        o.bind = IPAddress("::1")
        #expect { try TargetSimulator(options: o) } throws: { e in
            (e as? ListenOptionError)?.errorDescription
                == "--bind ::1 is IPv6 but --host-ip 127.0.0.1 is IPv4; give a --bind address of the host's family, or drop --bind"
        }
    }

    @Test func numbersNoTargetUsesAreRefusedWithTheirRange() throws {
        var o = Self.options("127.0.0.1", port: 50000)
        try o.checkRanges()
        for (change, message) in [
            ({ (o: inout SimulatorOptions) in o.pokeInterval = 1e-9 },
             "--poke-interval 1e-09 is outside 0.05-60 seconds (a real target pokes about every 3 s); give e.g. --poke-interval 3"),
            ({ $0.pokeInterval = 61 }, "--poke-interval 61 is outside 0.05-60 seconds (a real target pokes about every 3 s); give e.g. --poke-interval 3"),
            ({ $0.maxPokes = -1 }, "--max-pokes -1 is outside 1-10000; give e.g. --max-pokes 5"),
            ({ $0.maxPokes = 0 }, "--max-pokes 0 is outside 1-10000; give e.g. --max-pokes 5"),
            ({ $0.duration = .infinity }, "--duration inf is outside 0.1-86400 seconds; give e.g. --duration 10"),
            ({ $0.rebootAfter = 0 }, "--reboot-after 0 is outside 0.1-86400 seconds; give e.g. --reboot-after 10"),
        ] as [((inout SimulatorOptions) -> Void, String)] {
            var bad = o
            change(&bad)
            #expect { try bad.checkRanges() } throws: { e in (e as? ListenOptionError)?.errorDescription == message }
            #expect { try TargetSimulator(options: bad) } throws: { e in (e as? ListenOptionError)?.errorDescription == message }
        }
        for edge in [0.05, 60] { o.pokeInterval = edge; try o.checkRanges() }
        o.maxPokes = 1; o.duration = 0.1; o.rebootAfter = 86_400
        try o.checkRanges()
    }
}
