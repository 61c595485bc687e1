import MoQT
import MoQTNet
import NIOConcurrencyHelpers

/// A subscriber session's handler for relay tests: records objects, resets and the end.
final class CollectingSubscriber: MoQTSessionHandler, @unchecked Sendable {
    struct Received: Hashable {
        var group: UInt64
        var object: UInt64
        var subgroup: UInt64?
        var priority: UInt8
        var size: Int
    }
    struct Log {
        var objects: [Received] = []
        var resets: [(group: UInt64, subgroup: UInt64?, code: UInt64)] = []
        var subscribed = false
        var rejected = false
        var finished = false
        var fetched: [Received] = []
        var fetchEnded = false
        /// NAMESPACE suffixes received (SUBSCRIBE_NAMESPACE).
        var namespaces: [TrackNamespace] = []
        /// NAMESPACE_DONE suffixes received.
        var namespacesDone: [TrackNamespace] = []
        /// Tracks the peer offered with PUBLISH (SUBSCRIBE_TRACKS), each accepted with FORWARD 1.
        var published: [FullTrackName] = []
        /// REQUEST_ERROR codes by request ID.
        var requestErrors: [UInt64: RequestErrorCode] = [:]
        /// REQUEST_OKs by request ID (TRACK_STATUS answers among them).
        var requestOKs: [UInt64: Draft18.RequestOK] = [:]
    }
    private let box = NIOLockedValueBox(Log())
    var log: Log { box.withLockedValue { $0 } }

    func moqtConnection(_ connection: MoQTConnection, didReceive event: MoQTSessionEvent) {
        if case .publishRequested(let id, _) = event { try? connection.session.acceptPublish(id, forward: true) }
        box.withLockedValue { log in
            switch event {
            case .subscribeOK: log.subscribed = true
            case .requestError(let id, let error):
                log.rejected = true
                log.requestErrors[id] = error.code
            case .requestOK(let id, let ok):
                log.requestOKs[id] = ok
            case .object(let o) where o.status == .normal:
                log.objects.append(Received(group: o.groupID, object: o.objectID, subgroup: o.subgroupID, priority: o.publisherPriority,
                                            size: o.payload.count))
            case .subgroupReset(_, _, let group, let subgroup, let code):
                log.resets.append((group, subgroup, code))
            case .subscriptionFinished:
                log.finished = true
            case .fetchObject(_, let o):
                if o.status == .normal {
                    log.fetched.append(Received(group: o.location.group, object: o.location.object, subgroup: nil,
                                                priority: o.publisherPriority, size: o.payload.count))
                }
            case .fetchEnded:
                log.fetchEnded = true
            case .namespace(_, let suffix):
                log.namespaces.append(suffix)
            case .namespaceDone(_, let suffix):
                log.namespacesDone.append(suffix)
            case .publishRequested(_, let publish):
                log.published.append(publish.track)
            default:
                break
            }
        }
    }
}
