/// What moq-pub's input argument names: a file (read and paced as a clip), standard input, or a URL
/// that libavformat opens itself (`udp://`, `srt://`, `tcp://`, ...). Standard input and URLs are
/// live: frames are published as they arrive, never paced, never looped.
///
///     MediaInput(argument: "-")                    // .standardInput, libavformat "pipe:0"
///     MediaInput(argument: "udp://127.0.0.1:5000") // .url, passed to libavformat as is
///     MediaInput(argument: "media/test.mp4")       // .file
public enum MediaInput: Equatable, Sendable, CustomStringConvertible {
    /// A file path.
    case file(String)
    /// Standard input (`-`).
    case standardInput
    /// A URL with a scheme, handed to libavformat unchanged.
    case url(String)

    /// Classifies a command-line argument: `-` is standard input, `SCHEME://...` (a letter, then
    /// letters, digits, `+`, `-` or `.`, then `://`) is a URL, anything else a file path.
    public init(argument: String) {
        if argument == "-" {
            self = .standardInput
        } else if Self.hasScheme(argument) {
            self = .url(argument)
        } else {
            self = .file(argument)
        }
    }

    /// True for standard input and URLs: frames arrive in real time.
    public var isLive: Bool {
        if case .file = self { return false }
        return true
    }

    /// The name libavformat opens (`pipe:0` for standard input).
    public var libavURL: String {
        switch self {
        case .file(let path): return path
        case .standardInput: return "pipe:0"
        case .url(let url): return url
        }
    }

    /// How messages name the input: the path, `stdin`, or the URL.
    public var description: String {
        switch self {
        case .file(let path): return path
        case .standardInput: return "stdin"
        case .url(let url): return url
        }
    }

    private static func hasScheme(_ s: String) -> Bool {
        guard let range = s.range(of: "://") else { return false }
        let scheme = s[s.startIndex..<range.lowerBound]
        guard let first = scheme.unicodeScalars.first, first.isASCIILetter else { return false }
        return scheme.unicodeScalars.allSatisfy { $0.isASCIILetter || ("0"..."9").contains($0) || "+-.".unicodeScalars.contains($0) }
    }
}

private extension Unicode.Scalar {
    var isASCIILetter: Bool { ("a"..."z").contains(self) || ("A"..."Z").contains(self) }
}
