/// The class of an encoded video frame, from the codec's picture (slice) type.
///
/// The order of importance is I, then P, then B: an I frame decodes alone, a P frame needs earlier
/// frames, a B frame may need earlier and later frames.
public enum VideoFrameClass: String, CaseIterable, Equatable, Hashable, Sendable, Codable {
    /// Intra-coded: decodable on its own (SI frames count as I).
    case i = "I"
    /// Predicted from earlier frames (SP and S frames count as P).
    case p = "P"
    /// Bi-predicted (BI frames count as B).
    case b = "B"
}
