/// An object that reached a subscriber on a subgroup stream or in a datagram, complete (its last
/// payload byte has arrived). Receive timestamps are the application's: it reads its clock when
/// it takes the event.
public struct MoQTReceivedObject: Hashable, Sendable {
    /// The subscription (SUBSCRIBE or the peer's PUBLISH) the object belongs to.
    public var requestID: UInt64
    /// The track alias it arrived with.
    public var trackAlias: UInt64
    /// The group ID.
    public var groupID: UInt64
    /// The subgroup ID (nil for a datagram).
    public var subgroupID: UInt64?
    /// The object ID.
    public var objectID: UInt64
    /// The publisher priority (the header's, or the track default of 128 when omitted).
    public var publisherPriority: UInt8
    /// Object properties (e.g. a TIMESTAMP 0x10).
    public var properties: ObjectProperties
    /// Normal, end of group or end of track.
    public var status: ObjectStatus
    /// The payload (empty for status objects).
    public var payload: [UInt8]
    /// The stream it arrived on, or nil for a datagram.
    public var streamID: UInt64?
    /// The subgroup header's END_OF_GROUP bit, or the datagram's END_OF_GROUP.
    public var endOfGroup: Bool

    /// A received object.
    public init(requestID: UInt64, trackAlias: UInt64, groupID: UInt64, subgroupID: UInt64?, objectID: UInt64,
                publisherPriority: UInt8, properties: ObjectProperties, status: ObjectStatus, payload: [UInt8],
                streamID: UInt64?, endOfGroup: Bool) {
        self.requestID = requestID
        self.trackAlias = trackAlias
        self.groupID = groupID
        self.subgroupID = subgroupID
        self.objectID = objectID
        self.publisherPriority = publisherPriority
        self.properties = properties
        self.status = status
        self.payload = payload
        self.streamID = streamID
        self.endOfGroup = endOfGroup
    }

    /// The object's location.
    public var location: Location { Location(group: groupID, object: objectID) }
}
