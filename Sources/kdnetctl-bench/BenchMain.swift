import Foundation

/// `kdnetctl-bench [codec|startup|all]...`: the project's benchmarks. Build it in release
/// (`swift build -c release --product kdnetctl-bench`) and run it on an idle machine;
/// README.md records the latest figures.
@main
struct BenchMain {
    static func main() {
        var which = Array(CommandLine.arguments.dropFirst())
        if which.isEmpty || which == ["all"] { which = ["codec", "startup"] }
        var figures: [Figure] = []
        for name in which {
            print("== \(name)")
            switch name {
            case "codec": figures += CodecBenchmark.run()
            case "startup": figures += StartupBenchmark.run()
            default:
                print("unknown benchmark \(name); choose from codec, startup, all")
                exit(64)
            }
        }
        print("== summary")
        figures.forEach(report)
        exit(figures.allSatisfy(\.met) ? 0 : 1)
    }
}
