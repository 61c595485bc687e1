/// The session's record of one bidirectional request stream (draft-18 §3.3).
struct RequestStream {
    enum Phase: Equatable {
        /// The request is sent (or received) and not answered yet.
        case awaitingResponse
        /// Answered with an OK: the request lives on (subscription, namespace, fetch...).
        case established
        /// Rejected, cancelled or done.
        case ended
    }

    let streamID: UInt64
    /// Whether this side sent the request.
    let isLocal: Bool
    /// Nil on a peer stream until its first message arrives.
    var requestID: UInt64?
    var kind: RequestKind?
    var parser: Draft18.ControlStreamParser
    var phase: Phase = .awaitingResponse
    /// This side's REQUEST_UPDATE IDs waiting for REQUEST_OK / REQUEST_ERROR, oldest first.
    var pendingUpdates: [UInt64] = []
    var readClosed = false
    var writeClosed = false

    // Subscriptions (SUBSCRIBE, PUBLISH) and fetches.
    var track: FullTrackName?
    var trackAlias: UInt64?
    var forward = true
    var subscriberPriority: UInt8 = 128
    /// DEFAULT_PUBLISHER_PRIORITY of the track (used when a data header omits the priority).
    var defaultPublisherPriority: UInt8 = 128
    var groupOrder: GroupOrder = .ascending
    var filter: SubscriptionFilter?
    /// draft-22: the peer SUBSCRIBE's FILL_PARAMETERS (publisher side).
    var fill: Draft22.FillRequest?
    /// draft-22 Range Filters in effect (the publisher side sends only what they admit).
    var rangeFilters = RangeFilterSet()
    /// First location the subscriber wants (publisher side), from the filter and the largest object.
    var windowStart: Location?
    /// Last group the subscriber wants (publisher side).
    var windowEndGroup: UInt64?
    /// draft-22 Absolute Range: the last object of `windowEndGroup` (nil: the whole group).
    var windowEndObject: UInt64?
    /// Publisher side: subgroup streams opened for this subscription (PUBLISH_DONE's count).
    var streamsOpened: UInt64 = 0
    /// Subscriber side: subgroup streams seen, and how many of them ended.
    var streamsSeen: UInt64 = 0
    var streamsClosed: UInt64 = 0
    /// Subscriber side: the PUBLISH_DONE received.
    var publishDone: Draft18.PublishDone?
    var finishedReported = false

    init(streamID: UInt64, isLocal: Bool, decodeOptions: Draft18.DecodeOptions) {
        self.streamID = streamID
        self.isLocal = isLocal
        self.parser = Draft18.ControlStreamParser(options: decodeOptions)
    }

    /// Whether this side publishes the subscription's objects (the peer subscribed, or this side sent PUBLISH).
    var isPublisherSide: Bool {
        (kind == .subscribe && !isLocal) || (kind == .publish && isLocal)
    }

    /// Whether this side receives the subscription's objects.
    var isSubscriberSide: Bool {
        (kind == .subscribe && isLocal) || (kind == .publish && !isLocal)
    }
}
