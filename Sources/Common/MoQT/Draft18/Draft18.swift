/// The wire profile of draft-ietf-moq-transport-18 (ALPN `moqt-18`).
///
/// Everything here maps the version-free model (`TrackNamespace`, `Location`, `MessageParameters`, ...)
/// to draft-18 bytes and back: control messages (one file each), message parameters, setup
/// options, data stream headers, object datagrams and an incremental stream parser. A later draft
/// gets its own namespace beside this one.
public enum Draft18 {
    /// The ALPN token of this draft on raw QUIC.
    public static let alpn = "moqt-18"
    /// Largest control message payload: the Length field is 16 bits.
    public static let maxMessagePayload = 0xffff
    /// Largest Reason Phrase, in bytes.
    public static let maxReasonPhraseLength = 1024
    /// Largest GOAWAY New Session URI, in bytes.
    public static let maxGoawayURILength = 8192
}
