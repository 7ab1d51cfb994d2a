// The protocol core is part of KDNetKit's API: the executable, the fuzz harnesses, the
// benchmarks and the tests see it through `import KDNetKit`.
@_exported import KDNetProtocol
