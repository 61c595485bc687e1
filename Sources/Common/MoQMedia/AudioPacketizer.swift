import Media

/// Turns the frames of one audio track into MoQ objects whose groups follow the video's: audio
/// group `g` starts with the first audio frame presented at or after the keyframe that starts
/// video group `g`, so a subscriber that joins the video at a keyframe finds the audio of that
/// moment at the start of the audio group with the same ID (never earlier audio). Audio frames
/// read before the first keyframe belong to the first group (e.g. AAC priming, Opus pre-skip).
///
/// Every audio frame decodes on its own: each object is a LOC frame of class I, a keyframe, with no
/// dependency, and DTS = PTS.
public struct AudioPacketizer: Sendable {
    /// The publisher priority of every object.
    public var priority: UInt8
    private let firstGroupID: UInt64
    private var group: UInt64?
    private var nextObjectID: UInt64 = 0
    private var boundary: (group: UInt64, pts: Int64)?

    /// A packetizer whose first group is `firstGroupID` (the video packetizer's).
    public init(priority: UInt8, firstGroupID: UInt64 = 0) {
        self.priority = priority
        self.firstGroupID = firstGroupID
    }

    /// The video started group `groupID` with a keyframe presented at `pts` (µs, with any loop
    /// offset): the first audio frame presented at or after it starts audio group `groupID`.
    public mutating func videoGroupStarted(_ groupID: UInt64, pts: Int64) {
        if let group, groupID <= group { return }
        boundary = (groupID, pts)
    }

    /// The object for `frame`.
    /// - Parameters:
    ///   - captureTimestamp: Its capture time, microseconds since the Unix epoch.
    ///   - timestampOffset: Added to its PTS (e.g. the clip length times the loop count).
    public mutating func packetize(_ frame: EncodedAudioFrame, captureTimestamp: UInt64,
                                   timestampOffset: Int64 = 0) -> MediaObject {
        let pts = frame.ptsMicroseconds + timestampOffset
        if group == nil {
            group = boundary?.group ?? firstGroupID
            boundary = nil
            nextObjectID = 0
        } else if let b = boundary, pts >= b.pts {
            group = b.group
            boundary = nil
            nextObjectID = 0
        }
        let objectID = nextObjectID
        nextObjectID += 1
        let loc = LOCFrame(captureTimestampMicroseconds: captureTimestamp, ptsMicroseconds: pts, dtsMicroseconds: pts,
                           durationMicroseconds: UInt64(max(0, frame.durationMicroseconds)), frameClass: .i,
                           isKeyframe: true, referenceDistance: 0, payload: frame.data)
        return MediaObject(groupID: group ?? firstGroupID, objectID: objectID, publisherPriority: priority, frame: loc)
    }
}
