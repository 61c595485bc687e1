extension Draft18 {
    /// The fields of a subgroup object before its payload (§11.4.2, Figure 25), for streaming
    /// the payload on as it arrives.
    public struct SubgroupObjectHeader: Hashable, Sendable {
        /// The object ID.
        public var objectID: UInt64
        /// Object Properties.
        public var properties: ObjectProperties
        /// The status (`.normal` unless the payload is empty).
        public var status: ObjectStatus
        /// Payload bytes that follow.
        public var payloadLength: UInt64

        /// Object fields.
        public init(objectID: UInt64, properties: ObjectProperties, status: ObjectStatus, payloadLength: UInt64) {
            self.objectID = objectID
            self.properties = properties
            self.status = status
            self.payloadLength = payloadLength
        }
    }
}
