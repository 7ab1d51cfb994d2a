import Foundation

/// `kdnetctl-bench [codec|inspect|listener|serve|startup|all]...`: the project's benchmarks. Build it in release
/// (`swift build -c release --static-swift-stdlib --product kdnetctl-bench`) and run it on an idle machine;
/// README.md records the latest figures.
@main
struct BenchMain {
    static func main() throws {
        var which = Array(CommandLine.arguments.dropFirst())
        if (3...4).contains(which.count), which[0] == "floor" {
            try InspectBenchmark.floorMain(datagrams: which[1], keys: which[2], rounds: which.count == 4 ? Int(which[3]) ?? 3 : 3)
            return
        }
        if which.isEmpty || which == ["all"] { which = ["codec", "inspect", "listener", "serve", "startup"] }
        var figures: [Figure] = []
        print(Spawn.kdnetctlBuild)
        for name in which {
            print("== \(name)")
            switch name {
            case "codec": figures += CodecBenchmark.run()
            case "startup": figures += StartupBenchmark.run()
            case "listener": figures += try ListenerBenchmark.run()
            case "inspect": figures += try InspectBenchmark.run()
            case "serve": figures += try ServeBenchmark.run()
            default:
                print("unknown benchmark \(name); choose from codec, inspect, listener, serve, startup, all")
                exit(64)
            }
        }
        print("== summary")
        figures.forEach(report)
        exit(figures.allSatisfy(\.met) ? 0 : 1)
    }
}
