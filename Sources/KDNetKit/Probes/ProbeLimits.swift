enum ProbeLimits {
    static func validate(port: Int) throws(ProbeInputError) {
        guard (1...65535).contains(port) else { throw .badPort(port) }
    }
    static func validate(count: Int) throws(ProbeInputError) {
        guard (1...1000).contains(count) else { throw .badCount(count) }
    }
    static func validate(max: Int) throws(ProbeInputError) {
        guard (1...1000).contains(max) else { throw .badMax(max) }
    }
    static func validate(timeout: Double) throws(ProbeInputError) {
        guard timeout >= 0.1 && timeout <= 3600 else { throw .badTimeout(timeout) }
    }
}
