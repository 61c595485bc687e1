import MoQT
import Wire

/// One object as the relay holds it: MoQ metadata plus opaque bytes, and when it arrived.
///
/// The relay never looks inside the payload or the properties: they are forwarded byte for byte.
/// `properties` holds the encoded Key-Value-Pairs of the Object Properties block (without its
/// length prefix), empty when the object has none.
public struct RelayObject: Hashable, Sendable, CustomStringConvertible {
    /// Group and object ID.
    public var location: Location
    /// The subgroup stream it travels on, or datagram.
    public var forwarding: ObjectForwardingPreference
    /// The publisher priority (0-255, lower value = more important).
    public var publisherPriority: UInt8
    /// Normal, end of group or end of track.
    public var status: ObjectStatus
    /// The encoded Object Properties pairs (no length prefix).
    public var properties: [UInt8]
    /// The payload (empty for status objects).
    public var payload: [UInt8]
    /// When the relay received the object (its last byte).
    public var arrival: RelayTime

    /// An object from its parts.
    public init(location: Location, forwarding: ObjectForwardingPreference, publisherPriority: UInt8,
                status: ObjectStatus = .normal, properties: [UInt8] = [], payload: [UInt8], arrival: RelayTime) {
        self.location = location
        self.forwarding = forwarding
        self.publisherPriority = publisherPriority
        self.status = status
        self.properties = properties
        self.payload = payload
        self.arrival = arrival
    }

    /// The relay's copy of a decoded track object, received at `arrival`.
    public init(_ object: TrackObject, arrival: RelayTime) {
        var w = ByteWriter()
        KeyValuePair.encodeList(object.properties.pairs, into: &w)
        self.init(location: object.location, forwarding: object.forwarding, publisherPriority: object.publisherPriority,
                  status: object.status, properties: w.bytes, payload: object.payload, arrival: arrival)
    }

    /// The object as a `TrackObject`; throws `MoQTError` when the stored properties do not parse.
    public func trackObject() throws -> TrackObject {
        var r = ByteReader(properties)
        let pairs = try KeyValuePair.decodeList(from: &r, byteCount: properties.count)
        return TrackObject(location: location, forwarding: forwarding, publisherPriority: publisherPriority,
                           status: status, properties: ObjectProperties(pairs), payload: payload)
    }

    /// The group ID.
    public var group: UInt64 { location.group }
    /// The object ID.
    public var objectID: UInt64 { location.object }
    /// The subgroup ID, nil for a datagram.
    public var subgroup: UInt64? {
        if case .subgroup(let id) = forwarding { return id }
        return nil
    }

    /// Bytes the relay accounts for this object: payload plus properties (headers are not counted).
    public var byteCount: Int { payload.count + properties.count }

    /// `{group, object}/subgroup prio=N`.
    public var description: String {
        let sg = subgroup.map { "sg\($0)" } ?? "dgram"
        return "\(location)/\(sg) prio=\(publisherPriority) \(byteCount)B"
    }
}
