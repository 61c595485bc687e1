import Media

/// Turns frames in decode order into MoQ objects: a new group at every keyframe, one object per
/// frame, a publisher priority per frame class, and each frame's dependency on earlier objects.
///
/// Frames before the first keyframe cannot be decoded by anyone and are not published
/// (`framesBeforeFirstKeyframe` counts them).
public struct MediaPacketizer: Sendable {
    /// The priorities per frame class.
    public var priorities: FramePriorities
    /// Frames dropped because no keyframe had started a group yet.
    public private(set) var framesBeforeFirstKeyframe = 0

    private var nextGroupID: UInt64
    private var group: UInt64?
    private var nextObjectID: UInt64 = 0
    private var lastReferenceObjectID: UInt64?

    /// A packetizer whose first group gets `firstGroupID` (a live publisher may start from a
    /// time-derived value so that a restarted publisher's groups keep increasing).
    public init(priorities: FramePriorities = .default, firstGroupID: UInt64 = 0) {
        self.priorities = priorities
        self.nextGroupID = firstGroupID
    }

    /// The object for `frame`, or nil when the frame precedes the first keyframe.
    /// - Parameters:
    ///   - frame: The next frame in decode order.
    ///   - captureTimestamp: Its capture time, microseconds since the Unix epoch.
    ///   - timestampOffset: Added to pts and dts (e.g. the clip length times the loop count).
    public mutating func packetize(_ frame: EncodedVideoFrame, captureTimestamp: UInt64,
                                   timestampOffset: Int64 = 0) -> MediaObject? {
        if frame.isKeyframe {
            group = nextGroupID
            nextGroupID += 1
            nextObjectID = 0
            lastReferenceObjectID = nil
        }
        guard let group else {
            framesBeforeFirstKeyframe += 1
            return nil
        }
        let objectID = nextObjectID
        nextObjectID += 1
        let independent = frame.isKeyframe || lastReferenceObjectID == nil
        let distance = independent ? 0 : objectID - (lastReferenceObjectID ?? objectID)
        if frame.isReference || frame.isKeyframe { lastReferenceObjectID = objectID }
        let loc = LOCFrame(captureTimestampMicroseconds: captureTimestamp,
                           ptsMicroseconds: frame.ptsMicroseconds + timestampOffset,
                           dtsMicroseconds: frame.dtsMicroseconds + timestampOffset,
                           durationMicroseconds: UInt64(max(0, frame.durationMicroseconds)),
                           frameClass: frame.frameClass, isKeyframe: frame.isKeyframe,
                           referenceDistance: distance, payload: frame.data)
        return MediaObject(groupID: group, objectID: objectID,
                           publisherPriority: priorities.priority(for: frame.frameClass), frame: loc)
    }
}
