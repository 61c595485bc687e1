/// Why a catalog could not be read or used.
public enum CatalogError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The bytes are not a JSON catalog of the expected shape (decoder's reason).
    case invalidJSON(String)
    /// The catalog's version is not one this project reads.
    case unsupportedVersion(Int)
    /// No track of that name is in the catalog.
    case trackNotFound(String)
    /// The track's packaging is not "loc".
    case unsupportedPackaging(String)
    /// The track's codec string names no codec this project can remux.
    case unsupportedCodec(String)
    /// The track lacks a field the muxer needs (field name).
    case missingField(String)
    /// The extradata is not valid base64.
    case invalidExtradata
    /// More tracks were chosen than one subscriber writes (count, limit).
    case tooManyTracks(Int, limit: Int)

    public var description: String {
        switch self {
        case .invalidJSON(let reason): return "invalid catalog JSON: \(reason)"
        case .unsupportedVersion(let version): return "unsupported catalog version \(version)"
        case .trackNotFound(let name): return "no track '\(name)' in the catalog"
        case .unsupportedPackaging(let packaging): return "unsupported packaging '\(packaging)' (expected loc)"
        case .unsupportedCodec(let codec): return "unsupported codec '\(codec)'"
        case .missingField(let field): return "catalog track lacks '\(field)'"
        case .invalidExtradata: return "catalog extradata is not valid base64"
        case .tooManyTracks(let count, let limit): return "\(count) media tracks chosen; at most \(limit) per subscriber (--tracks)"
        }
    }
}
