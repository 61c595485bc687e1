/// Why a decoder could not produce a value.
///
/// "Need more bytes" is never "malformed": a reader that runs out of input reports
/// `.needMoreData` and leaves its position unchanged, so stream parsers can wait for more.
public enum DecodeError: Error, Equatable, Sendable {
    /// The input ended before the value did; more bytes may complete it.
    case needMoreData
    /// The bytes can never form a valid value; the reason is for humans only.
    case malformed(String)
}
