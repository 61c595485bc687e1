/// Whether an object is a normal object or marks an end (draft-18 §11.2.1.1).
public enum ObjectStatus: UInt64, Sendable, CaseIterable {
    /// A normal object (implicit for any object with a payload).
    case normal = 0x0
    /// No object with this group and an object ID at or beyond this one exists.
    case endOfGroup = 0x3
    /// No object at or beyond this location exists in the track.
    case endOfTrack = 0x4
}
