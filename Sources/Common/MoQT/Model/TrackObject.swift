/// A version-free object as a relay or application sees it: where it sits in the track, how it
/// travels, its priority and status, its properties and its payload (draft-18 §11.2.1).
public struct TrackObject: Hashable, Sendable {
    /// Group and object ID.
    public var location: Location
    /// Subgroup or datagram.
    public var forwarding: ObjectForwardingPreference
    /// The publisher priority (resolved from the track default when the header omitted it).
    public var publisherPriority: UInt8
    /// Normal, end of group or end of track.
    public var status: ObjectStatus
    /// Object Properties.
    public var properties: ObjectProperties
    /// The payload (empty for status objects).
    public var payload: [UInt8]

    /// An object.
    public init(location: Location, forwarding: ObjectForwardingPreference, publisherPriority: UInt8,
                status: ObjectStatus = .normal, properties: ObjectProperties = [], payload: [UInt8]) {
        self.location = location
        self.forwarding = forwarding
        self.publisherPriority = publisherPriority
        self.status = status
        self.properties = properties
        self.payload = payload
    }
}
