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
        public func encodePayload(into w: inout ByteWriter) { encodePayload(into: &w, draft: .draft18) }

        /// The payload in `draft`'s encoding.
        public func encodePayload(into w: inout ByteWriter, draft: MoQTDraft) {
            w.writeVI64(requestID)
            if draft == .draft22 {
                // draft-22: no Fetch Type; the range rides LOCATION_FILTER (the session refuses to
                // send joining fetches at draft-22).
                guard case .standalone(let track, let start, let end) = range else {
                    preconditionFailure("draft-22 has no joining FETCH")
                }
                Draft18.writeFullTrackName(track, into: &w)
                var p = parameters
                p.subscriptionFilter = nil
                Draft18.writeParameters(p, into: &w, draft: draft, locationFilter: Draft22.locationFilter(start: start, end: end))
                return
            }
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
            Draft18.writeParameters(parameters, into: &w, draft: draft)
        }

        /// A Fetch Type other than 1, 2, 3 is PROTOCOL_VIOLATION. Whether a standalone range is
        /// satisfiable (end not before start) is for the session to answer with INVALID_RANGE.
        public static func decodePayload(_ r: inout ByteReader, options: DecodeOptions) throws -> Fetch {
            let id = try r.readVI64()
            if options.draft == .draft22 {
                let track = try Draft18.readFullTrackName(&r)
                var filter: Draft22.LocationFilter?
                var params = try Draft18.readParameters(&r, allowed: options.scope(allowedParameters, messageType: messageType),
                                                        message: "FETCH", draft: .draft22, locationFilter: &filter)
                try Draft18.expectEnd(r, "FETCH")
                guard let (start, end) = Draft22.fetchRange(filter) else {
                    throw MoQTError.protocolViolation("FETCH with a Location Filter relative to the largest object is not supported")
                }
                params.subscriptionFilter = nil
                return Fetch(requestID: id, range: .standalone(track: track, start: start, end: end), parameters: params)
            }
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
            let params = try Draft18.readParameters(&r, allowed: options.scope(allowedParameters, messageType: messageType), message: "FETCH", draft: options.draft)
            try Draft18.expectEnd(r, "FETCH")
            return Fetch(requestID: id, range: range, parameters: params)
        }
    }
}
