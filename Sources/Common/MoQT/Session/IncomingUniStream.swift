/// A unidirectional stream the peer opened: control, subgroup, fetch or padding.
struct IncomingUniStream {
    enum Kind: Equatable {
        case unknown
        case control
        case subgroup(requestID: UInt64?, header: Draft18.SubgroupHeader)
        case fetch(requestID: UInt64)
        case padding
    }

    var parser: Draft18.DataStreamParser
    var kind: Kind = .unknown
    /// The subgroup header named an alias not known yet while a SUBSCRIBE awaits its answer:
    /// the bytes wait in the parser.
    var parked = false
    var finReceived = false
    /// The first item of a stream that arrived before the peer's SETUP.
    var held: Draft18.DataStreamParser.Event?
    var ended = false

    init(parser: Draft18.DataStreamParser) { self.parser = parser }
}
