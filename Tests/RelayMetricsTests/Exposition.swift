/// A strict reader of the Prometheus text exposition format (0.0.4) for the tests: every line is
/// a `# HELP`, a `# TYPE` or a sample `name{label="value",...} number`; anything else throws.
struct Exposition {
    /// One sample line.
    struct Sample: Equatable {
        var name: String
        var labels: [String: String]
        var value: Double
    }

    struct Malformed: Error, CustomStringConvertible {
        var line: String
        var description: String { "malformed exposition line: \(line)" }
    }

    /// Metric family types from `# TYPE` lines.
    private(set) var types: [String: String] = [:]
    /// Help texts from `# HELP` lines.
    private(set) var help: [String: String] = [:]
    private(set) var samples: [Sample] = []

    init(_ text: String) throws {
        for line in text.split(separator: "\n", omittingEmptySubsequences: true).map(String.init) {
            if line.hasPrefix("# TYPE ") {
                let parts = line.dropFirst(7).split(separator: " ").map(String.init)
                guard parts.count == 2, Self.isName(parts[0]),
                      ["counter", "gauge", "histogram", "summary", "untyped"].contains(parts[1]),
                      types[parts[0]] == nil else { throw Malformed(line: line) }
                types[parts[0]] = parts[1]
            } else if line.hasPrefix("# HELP ") {
                let rest = line.dropFirst(7)
                guard let space = rest.firstIndex(of: " ") else { throw Malformed(line: line) }
                help[String(rest[..<space])] = String(rest[rest.index(after: space)...])
            } else if line.hasPrefix("#") {
                continue
            } else {
                samples.append(try Self.sample(line))
            }
        }
    }

    private static func isName(_ s: String) -> Bool {
        guard let first = s.unicodeScalars.first, first == "_" || first == ":" || first.properties.isAlphabetic else { return false }
        return s.unicodeScalars.allSatisfy { $0 == "_" || $0 == ":" || ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) }
    }

    private static func sample(_ line: String) throws -> Sample {
        var labels: [String: String] = [:]
        let name: String
        let rest: Substring
        if let brace = line.firstIndex(of: "{") {
            name = String(line[..<brace])
            guard let close = line.lastIndex(of: "}") else { throw Malformed(line: line) }
            var body = line[line.index(after: brace)..<close]
            while !body.isEmpty {
                guard let eq = body.firstIndex(of: "="), body[body.index(after: eq)...].first == "\"" else { throw Malformed(line: line) }
                let key = String(body[..<eq])
                var i = body.index(eq, offsetBy: 2)
                var value = ""
                while i < body.endIndex, body[i] != "\"" {
                    if body[i] == "\\" { i = body.index(after: i) }
                    guard i < body.endIndex else { throw Malformed(line: line) }
                    value.append(body[i])
                    i = body.index(after: i)
                }
                guard i < body.endIndex, isName(key) else { throw Malformed(line: line) }
                labels[key] = value
                body = body[body.index(after: i)...]
                if body.first == "," { body = body.dropFirst() }
            }
            rest = line[line.index(after: close)...]
        } else {
            guard let space = line.firstIndex(of: " ") else { throw Malformed(line: line) }
            name = String(line[..<space])
            rest = line[space...]
        }
        let fields = rest.split(separator: " ")
        guard isName(name), (1...2).contains(fields.count), let value = Double(fields[0]) ?? Self.special(fields[0]) else {
            throw Malformed(line: line)
        }
        return Sample(name: name, labels: labels, value: value)
    }

    private static func special(_ s: Substring) -> Double? {
        switch s {
        case "+Inf": return .infinity
        case "-Inf": return -.infinity
        case "NaN": return .nan
        default: return nil
        }
    }

    /// The value of the one sample named `name` with exactly `labels`.
    func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        let matches = samples.filter { $0.name == name && $0.labels == labels }
        return matches.count == 1 ? matches[0].value : nil
    }
}
