import Wire

extension Draft18 {
    /// FETCH_OK (0x18, §10.13): the publisher accepts a FETCH and states where it ends.
    public struct FetchOK: Draft18Message {
        /// 0x18.
        public static let messageType: UInt64 = 0x18
        /// True if the end location is the track's last object.
        public var endOfTrack: Bool
        /// End of the response range (last object + 1; object 0 = whole group).
        public var endLocation: Location
        /// Parameters (draft-18 defines none for FETCH_OK).
        public var parameters: MessageParameters
        /// Track Properties.
        public var trackProperties: [KeyValuePair]

        /// A FETCH_OK.
        public init(endOfTrack: Bool, endLocation: Location, parameters: MessageParameters = MessageParameters(),
                    trackProperties: [KeyValuePair] = []) {
            self.endOfTrack = endOfTrack
            self.endLocation = endLocation
            self.parameters = parameters
            self.trackProperties = trackProperties
        }

        /// End of track, end location, parameters, properties.
        public func encodePayload(into w: inout ByteWriter) { encodePayload(into: &w, draft: .draft18) }

        /// The payload in `draft`'s encoding.
        public func encodePayload(into w: inout ByteWriter, draft: MoQTDraft) {
            w.writeUInt8(endOfTrack ? 1 : 0)
            // draft-22's End Location is inclusive; the model keeps draft-18's (last object + 1).
            Draft18.writeLocation(draft == .draft22 ? Draft22.inclusiveEnd(endLocation) : endLocation, into: &w)
            Draft18.writeParameters(parameters, into: &w, draft: draft)
            KeyValuePair.encodeList(trackProperties, into: &w)
        }

        /// End Of Track other than 0/1 is PROTOCOL_VIOLATION; so is any parameter.
        public static func decodePayload(_ r: inout ByteReader, options: DecodeOptions) throws -> FetchOK {
            let eot = try Draft18.readFlag(&r, "End Of Track")
            let wireEnd = try Draft18.readLocation(&r)
            let end = options.draft == .draft22 ? Draft22.exclusiveEnd(wireEnd) : wireEnd
            let params = try Draft18.readParameters(&r, allowed: options.scope([], messageType: messageType), message: "FETCH_OK", draft: options.draft)
            return FetchOK(endOfTrack: eot, endLocation: end, parameters: params, trackProperties: try Draft18.readTrackProperties(&r))
        }
    }
}
