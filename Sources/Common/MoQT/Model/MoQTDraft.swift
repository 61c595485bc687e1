/// The MoQ Transport drafts this codec speaks, one wire profile each (`Draft18`, `Draft22`).
///
/// On raw QUIC the draft is chosen by ALPN (`moqt-18`, `moqt-22`); nothing on the wire repeats it.
/// The session and the relay work with the version-free model; the draft only selects how
/// messages are encoded and decoded.
public enum MoQTDraft: Int, CaseIterable, Hashable, Sendable, Comparable, CustomStringConvertible {
    /// draft-ietf-moq-transport-18.
    case draft18 = 18
    /// draft-ietf-moq-transport-22.
    case draft22 = 22

    /// The ALPN token of the draft on raw QUIC.
    public var alpn: String { "moqt-\(rawValue)" }

    /// The draft an ALPN token names, if we speak it.
    public init?(alpn: String) {
        guard alpn.hasPrefix("moqt-"), let n = Int(alpn.dropFirst(5)), let d = MoQTDraft(rawValue: n) else { return nil }
        self = d
    }

    /// The draft a command-line value names ("18", "22", "draft-22", "moqt-22").
    public init?(argument: String) {
        var s = Substring(argument.lowercased())
        for prefix in ["draft-", "draft", "moqt-"] where s.hasPrefix(prefix) { s = s.dropFirst(prefix.count) }
        guard let n = Int(s), let d = MoQTDraft(rawValue: n) else { return nil }
        self = d
    }

    /// "draft-18".
    public var description: String { "draft-\(rawValue)" }

    public static func < (a: MoQTDraft, b: MoQTDraft) -> Bool { a.rawValue < b.rawValue }
}
