/// A frame the remuxer did not write, and why.
public struct SkippedFrame: Equatable, Hashable, Sendable, Codable, CustomStringConvertible {
    /// Why a frame was not written.
    public enum Reason: String, Equatable, Hashable, Sendable, Codable {
        /// The object never arrived (lost, dropped by the relay, or before the subscription began).
        case notReceived = "not received"
        /// The object arrived but needs an earlier object of its group that was not written.
        case dependsOnMissing = "depends on missing frame"
        /// The object arrived after its group had already been written out.
        case late = "arrived late"
        /// The object's decode timestamp does not follow the last written one.
        case timestampNotIncreasing = "timestamp not increasing"
        /// The muxer refused the frame.
        case rejectedByMuxer = "rejected by muxer"
    }

    /// The group of the frame.
    public var groupID: UInt64
    /// The object of the frame.
    public var objectID: UInt64
    /// Why it was skipped.
    public var reason: Reason
    /// For `.dependsOnMissing`: the object it needed, which was not written.
    public var dependsOnObjectID: UInt64?

    /// A skipped frame.
    public init(groupID: UInt64, objectID: UInt64, reason: Reason, dependsOnObjectID: UInt64? = nil) {
        self.groupID = groupID
        self.objectID = objectID
        self.reason = reason
        self.dependsOnObjectID = dependsOnObjectID
    }

    public var description: String {
        var text = "group \(groupID) object \(objectID): \(reason.rawValue)"
        if let dependsOnObjectID { text += " (object \(dependsOnObjectID))" }
        return text
    }
}
