import ArgumentParser

/// Options every command shares.
struct OutputOptions: ParsableArguments {
    @Flag(help: "Print one JSON document on stdout instead of the human-readable report.")
    var json = false
}
