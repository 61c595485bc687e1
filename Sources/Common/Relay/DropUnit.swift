/// What a subscriber queue drops as one piece: every object of one subgroup stream of one
/// subscription (the stream is then reset), or one datagram.
struct DropUnit: Hashable, Sendable {
    /// The subscription.
    var subscription: UInt64
    /// The group ID.
    var group: UInt64
    /// The subgroup ID; nil for a datagram.
    var subgroup: UInt64?
    /// The datagram's object ID; nil for a subgroup.
    var datagramObject: UInt64?
}
