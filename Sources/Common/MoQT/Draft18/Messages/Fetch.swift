import Wire

extension Draft18 {
    /// FETCH (0x16, §10.12): first message of a request stream asking for past objects.
    public struct Fetch: Draft18Message {
        /// 0x16.
        public static let messageType: UInt64 = 0x16
        /// Parameters FETCH may carry.
        public static let allowedParameters: Set<ParameterType> = [.authorizationToken, .fillTimeout, .subscriberPriority, .groupOrder]
        /// The request ID.
        public var requestID: UInt64
        /// Standalone range or joining reference.
        public var range: FetchRange
        /// Parameters.
        public var parameters: MessageParameters

        /// A FETCH.
        public init(requestID: UInt64, range: FetchRange, parameters: MessageParameters = MessageParameters()) {
            self.requestID = requestID
            self.range = range
            self.parameters = parameters
        }

        /// Request ID, Fetch Type, its structure, parameters.
        public func encodePayload(into w: inout ByteWriter) {
            w.writeVI64(requestID)
            switch range {
            case .standalone(let track, let start, let end):
                w.writeVI64(0x1)
                Draft18.writeFullTrackName(track, into: &w)
                Draft18.writeLocation(start, into: &w)
                Draft18.writeLocation(end, into: &w)
            case .relativeJoining(let id, let back):
                w.writeVI64(0x2)
                w.writeVI64(id)
                w.writeVI64(back)
            case .absoluteJoining(let id, let start):
                w.writeVI64(0x3)
                w.writeVI64(id)
                w.writeVI64(start)
            }
            Draft18.writeParameters(parameters, into: &w)
        }

        /// A Fetch Type other than 1, 2, 3 is PROTOCOL_VIOLATION. Whether a standalone range is
        /// satisfiable (end not before start) is for the session to answer with INVALID_RANGE.
        public static func decodePayload(_ r: inout ByteReader, options: DecodeOptions) throws -> Fetch {
            let id = try r.readVI64()
            let type = try r.readVI64()
            let range: FetchRange
            switch type {
            case 0x1:
                let track = try Draft18.readFullTrackName(&r)
                let start = try Draft18.readLocation(&r)
                let end = try Draft18.readLocation(&r)
                range = .standalone(track: track, start: start, end: end)
            case 0x2: range = .relativeJoining(requestID: try r.readVI64(), groupsBack: try r.readVI64())
            case 0x3: range = .absoluteJoining(requestID: try r.readVI64(), startGroup: try r.readVI64())
            default: throw MoQTError.protocolViolation("invalid fetch type \(type)")
            }
            let params = try Draft18.readParameters(&r, allowed: options.scope(allowedParameters, messageType: messageType), message: "FETCH")
            try Draft18.expectEnd(r, "FETCH")
            return Fetch(requestID: id, range: range, parameters: params)
        }
    }
}
