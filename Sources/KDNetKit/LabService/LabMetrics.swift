import Foundation
import Prometheus

/// `GET /metrics`: the fleet in Prometheus text, every metric `kdnet_`-prefixed and
/// labelled with the target's name and port.
///
/// `kdnet_target_up` is 1 only while a target is `connected`: a `silent` target holds a
/// session but sends nothing (hung, or broken into by nobody), which is exactly what an
/// alert on `up == 0` should catch; `kdnet_target_state` tells silent from lost.
public enum LabMetrics {
    /// Renders one snapshot. A fresh registry per scrape: the board holds the totals, and
    /// a target dropped on reload must vanish from the output rather than linger.
    public static func text(_ snapshot: LabServiceSnapshot) -> String {
        let registry = PrometheusCollectorRegistry()
        for target in snapshot.targets {
            let who = [("target", target.name), ("port", String(target.port))]
            registry.makeGauge(name: "kdnet_target_up", labels: who,
                               help: "1 while the target is connected (authentic traffic within the silence threshold), else 0")
                .set(to: target.state == .connected ? 1 : 0)
            for state in LabTargetStatus.State.allCases {
                registry.makeGauge(name: "kdnet_target_state", labels: who + [("state", state.rawValue)],
                                   help: "1 for the state the target is in (waiting, connected, silent, wrong_key, lost), 0 for the others")
                    .set(to: target.state == state ? 1 : 0)
            }
            for (status, count) in datagramsByStatus(target.traffic) {
                registry.makeCounter(name: "kdnet_datagrams_total", labels: who + [("status", status.rawValue)],
                                     help: "Datagrams on the target's port by class (authenticated, wrong-key, unexpected-source, ...)")
                    .increment(by: Int64(count))
            }
            registry.makeCounter(name: "kdnet_target_reboots_total", labels: who, help: "Reboots of the target seen by the service")
                .increment(by: Int64(target.reboots))
            registry.makeGauge(name: "kdnet_target_state_since_seconds", labels: who,
                               help: "When the target entered its state, in seconds since the Unix epoch")
                .set(to: target.since.timeIntervalSince1970)
            if let lastSeen = target.lastSeen {
                registry.makeGauge(name: "kdnet_target_last_datagram_seconds", labels: who,
                                   help: "When the target's last datagram arrived, in seconds since the Unix epoch")
                    .set(to: lastSeen.timeIntervalSince1970)
            }
            if let build = target.build {
                registry.makeGauge(name: "kdnet_target_build_info",
                                   labels: who + [("build", String(build)), ("machine", target.machine ?? ""), ("kernel_base", target.kernelBase ?? "")],
                                   help: "1, labelled with the Windows build, architecture and kernel base the target reported")
                    .set(to: 1)
            }
        }
        registry.makeGauge(name: "kdnet_service_start_seconds", help: "When the lab service started, in seconds since the Unix epoch")
            .set(to: snapshot.startedAt.timeIntervalSince1970)
        registry.makeGauge(name: "kdnet_service_targets", help: "Targets the lab service watches")
            .set(to: Double(snapshot.targets.count))
        return registry.emitToString()
    }

    /// One count per `TrafficClass`, under the class's own name.
    static func datagramsByStatus(_ tally: TrafficTally) -> [(TrafficClass, Int)] {
        TrafficClass.allCases.map { kind in
            switch kind {
            case .notKDNet: return (kind, tally.notKdnet)
            case .unsupportedVersion: return (kind, tally.unsupportedVersion)
            case .malformed: return (kind, tally.malformed)
            case .wrongKey: return (kind, tally.wrongKey)
            case .unexpectedSource: return (kind, tally.unexpectedSource)
            case .authenticated: return (kind, tally.authenticated)
            case .unverifiedData: return (kind, tally.kdnetData)
            }
        }
    }
}
