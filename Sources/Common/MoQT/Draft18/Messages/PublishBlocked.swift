import Wire

extension Draft18 {
    /// PUBLISH_BLOCKED (0xF, §10.20): the publisher cannot send PUBLISH for a track matching a
    /// SUBSCRIBE_TRACKS.
    public struct PublishBlocked: Draft18Message {
        /// 0xF.
        public static let messageType: UInt64 = 0xF
        /// The namespace fields after the subscribed prefix.
        public var suffix: TrackNamespace
        /// The track name.
        public var trackName: [UInt8]

        /// A PUBLISH_BLOCKED.
        public init(suffix: TrackNamespace, trackName: [UInt8]) {
            self.suffix = suffix
            self.trackName = trackName
        }

        /// Suffix, track name.
        public func encodePayload(into w: inout ByteWriter) {
            Draft18.writeNamespace(suffix, into: &w)
            w.writeVI64Prefixed(trackName)
        }

        /// Parses the payload.
        public static func decodePayload(_ r: inout ByteReader, options: DecodeOptions) throws -> PublishBlocked {
            let ns = try Draft18.readNamespace(&r)
            let name = try Draft18.readTrackName(&r, namespace: ns)
            try Draft18.expectEnd(r, "PUBLISH_BLOCKED")
            return PublishBlocked(suffix: ns, trackName: name)
        }
    }
}
