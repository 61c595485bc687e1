/// What a FETCH asks for (draft-18 §10.12).
public enum FetchRange: Hashable, Sendable {
    /// Objects of `track` from `start` up to `end` (exclusive: end.object 0 means the whole end group).
    case standalone(track: FullTrackName, start: Location, end: Location)
    /// Groups before the joining location of subscription `requestID`, counting back `groupsBack`.
    case relativeJoining(requestID: UInt64, groupsBack: UInt64)
    /// From `startGroup` up to the joining location of subscription `requestID`.
    case absoluteJoining(requestID: UInt64, startGroup: UInt64)
}
