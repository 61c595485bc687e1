import MoQT
import MoQTNet

extension RelayServer {
    /// draft-22 joining: a SUBSCRIBE with FILL_PARAMETERS asks for the objects before its start on a
    /// fill stream (a fetch stream under the SUBSCRIBE's Request ID). Served from the cache only,
    /// once the subscription is accepted; the range is read like a FETCH's, against the largest
    /// cached object. (The subscription's own join plan still replays the latest group live, so a
    /// subscriber filling that group sees its objects on both.)
    func serveFill(_ sub: RelayDownstream, on track: RelayTrack) {
        guard let fill = try? sub.connection.performOnLoop({ $0.fillRequest(ofRequest: sub.requestID) }),
              let range = fill.range(largest: track.cache.largestLocation) else { return }
        let order = fill.groupOrder ?? .ascending
        let span = FetchSpan(start: range.start, endGroup: range.end.group, endObject: range.end.object == .max ? nil : range.end.object)
        var cache = track.cache
        let answer = cache.fetch(span, order: order)
        track.cache = cache
        do {
            try sub.connection.performOnLoop { session in
                let stream = try session.openFillStream(sub.requestID)
                for o in answer.objects where o.status == .normal {
                    let t = try o.trackObject()
                    try session.writeFetchItem(streamID: stream, .object(Draft18.FetchObject(
                        location: o.location, forwarding: o.forwarding, publisherPriority: o.publisherPriority,
                        properties: t.properties, payload: o.payload, status: o.status)))
                }
                try session.endFetch(streamID: stream)
            }
        } catch {
            log?("moq-relay: fill stream for request \(sub.requestID) failed: \(error)")
        }
    }
}
