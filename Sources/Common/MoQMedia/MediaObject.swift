import Media

/// One MoQ object of a video track: one encoded frame, in the group of its GOP.
public struct MediaObject: Equatable, Sendable {
    /// The group: one per GOP, starting at a keyframe; IDs increase by one per GOP.
    public var groupID: UInt64
    /// The object within the group: the frame's position in decode order (0 is the keyframe).
    public var objectID: UInt64
    /// The MoQ publisher priority (from the frame class; lower = more important).
    public var publisherPriority: UInt8
    /// What the object carries: the frame and its LOC properties.
    public var frame: LOCFrame

    /// An object.
    public init(groupID: UInt64, objectID: UInt64, publisherPriority: UInt8, frame: LOCFrame) {
        self.groupID = groupID
        self.objectID = objectID
        self.publisherPriority = publisherPriority
        self.frame = frame
    }
}

/// An object of any track of a source: the video, or one of its audio tracks.
public enum SourceObject: Equatable, Sendable {
    /// An object of the video track.
    case video(MediaObject)
    /// An object of audio track `track` (an index into `MediaObjectSource.audioTracks`).
    case audio(track: Int, MediaObject)

    /// The object, whichever track it belongs to.
    public var object: MediaObject {
        switch self {
        case .video(let object), .audio(_, let object): return object
        }
    }
}
