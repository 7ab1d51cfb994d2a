import Foundation
import Testing
@testable import KDNetKit

/// Sends the kernel refuses are said, and a listener goes on after one.
@Suite(.serialized) struct UDPSocketTests {
    @Test func aRefusedSendThrowsNamingTheDestination() throws {
        let socket = try UDPSocket(bind: try #require(Endpoint("127.0.0.1", port: 0)))
        let destination = socket.local
        // Larger than any UDP datagram: the kernel refuses it before anything leaves.
        let tooLarge = [UInt8](repeating: 0, count: 70_000)
        let error = #expect(throws: ListenerError.self) { try socket.send(tooLarge, to: destination) }
        guard case .sendFailed(let to, let why)? = error else { Issue.record("not a send failure: \(String(describing: error))"); return }
        #expect(to == "127.0.0.1:\(destination.port)")
        #expect(why == String(cString: strerror(EMSGSIZE)))
    }

    /// Only a host without IPv6 is a reason to listen on IPv4 alone: a port another
    /// program holds on IPv6 is said, or that target's IPv6 traffic would go there.
    @Test func aPortTakenOnIPv6AloneIsSaid() throws {
        let v6 = try UDPSocket(bind: try #require(Endpoint("::", port: 0)))
        let error = #expect(throws: ListenerError.self) { try UDPSocket.listening(on: v6.port, bind: nil) }
        guard case .portInUse(let port)? = error else { Issue.record("not port-in-use: \(String(describing: error))"); return }
        #expect(port == v6.port)
        // A free port gets both families.
        let free = try UDPSocket.listening(on: 0, bind: nil)
        #expect(free.map(\.family) == [.ipv4, .ipv6])
    }

    @Test func aListenerCountsAndSaysARefusedSendAndGoesOn() throws {
        let port = try SimulatorSourceTests.freePort()
        // --target of the other family than --bind: no socket can carry the connect request.
        let options = ListenOptions(targets: [ListenTarget(port: port, key: try DebugKey(parsing: "1.1.1.1"))],
                                    bind: IPAddress("127.0.0.1"), timeout: 0.3, connectTo: IPAddress("::1"))
        let listener = try HostListener(options: options)
        var failures: [String] = []
        let results = try listener.run(onSendFailure: { _, error in failures.append(error.localizedDescription) }) { _, _, _ in }
        #expect(results.count == 1 && results[0].connected == false)
        #expect(listener.unsentDatagrams == failures.count && failures.count >= 1)
        #expect(failures.first?.hasPrefix("cannot send to [::1]:\(port): ") == true)
    }

    @Test func theSimulatorsReportCountsItsRefusedSends() throws {
        // From a loopback source the kernel refuses to send off the host (EINVAL, or
        // ENETUNREACH without a route): every poke is refused and nothing leaves.
        var options = SimulatorSourceTests.options("192.0.2.1", port: try SimulatorSourceTests.freePort())
        options.bind = IPAddress("127.0.0.1")
        options.pokeInterval = 0.05
        options.maxPokes = 3
        options.duration = 5
        let simulator = try TargetSimulator(options: options)
        var failures = 0
        let report = try simulator.run(onSendFailure: { _ in failures += 1 }) { _, _ in }
        #expect(!report.connected && report.record.pokes == 3)
        #expect(report.unsentDatagrams == 3 && failures == 3 && simulator.unsentDatagrams == 3)
        #expect(try JSONOutput.string(report).contains(#""unsent_datagrams" : 3"#))
    }
}
