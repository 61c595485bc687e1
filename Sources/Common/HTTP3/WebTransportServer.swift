import Wire

/// The server side of HTTP/3 with one WebTransport session (draft-02 as Chromium speaks it, which
/// later drafts keep on the wire), sans-I/O: the caller feeds it the QUIC connection's stream
/// bytes, resets and datagrams, and carries out the actions it returns. It knows nothing of QUIC
/// beyond stream ID numbering (bit 0x1 server-initiated, bit 0x2 unidirectional).
///
/// Streams of the peer are told apart by their first bytes, not by arrival order: uni stream type
/// 0x00 control (SETTINGS first), 0x02/0x03 QPACK encoder/decoder (read and discarded: the table
/// capacity is 0), 0x54 WebTransport (then the session ID); a bidi stream starts with the 0x41
/// signal and the session ID, or with HTTP/3 frames (a request: the extended CONNECT).
/// WebTransport streams that arrive before their CONNECT are buffered (a bounded number).
public final class WebTransportServer {
    public struct Configuration: Sendable {
        /// Application protocols this server speaks, most preferred first (matched against
        /// `WT-Available-Protocols`).
        public var supportedProtocols: [String]
        /// WebTransport streams held while their session is not known yet.
        public var maxBufferedStreams = 24
        /// Bytes held in those streams, all together.
        public var maxBufferedBytes = 1 << 20
        /// Largest HEADERS or other buffered frame, and largest field section.
        public var maxHeaderBytes = 16 << 10

        public init(supportedProtocols: [String]) { self.supportedProtocols = supportedProtocols }
    }

    /// What the caller must do, or what happened to the session.
    public enum Action: Equatable, Sendable {
        /// Send `bytes` on a stream (`fin`: then end it).
        case write(streamID: UInt64, bytes: [UInt8], fin: Bool)
        /// STOP_SENDING on a stream of the peer.
        case stopSending(streamID: UInt64, code: HTTP3ErrorCode)
        /// RESET_STREAM on a stream.
        case resetStream(streamID: UInt64, code: HTTP3ErrorCode)
        /// Close the QUIC connection with this HTTP/3 error (code and reason).
        case closeConnection(HTTP3Error)
        /// The CONNECT was accepted (the 200 is in a `write` just before): the session is up.
        case sessionReady(sessionID: UInt64, request: WebTransportConnectRequest, selectedProtocol: String?)
        /// A WebTransport stream of the peer (its prefix removed), before its first `streamData`.
        case streamOpened(streamID: UInt64, bidirectional: Bool)
        /// Payload bytes of a WebTransport stream (the peer's or one of ours).
        case streamData(streamID: UInt64, bytes: [UInt8], fin: Bool)
        /// The peer reset a WebTransport stream; `code` is the application code if it is one.
        case streamReset(streamID: UInt64, code: UInt32?)
        /// A datagram of the session, its quarter stream ID removed.
        case datagram([UInt8])
        /// The peer ended the session (CLOSE_WEBTRANSPORT_SESSION, or FIN or reset of the CONNECT stream).
        case sessionClosed(code: UInt32, message: String)
        /// The peer asked to wind the session down (DRAIN_WEBTRANSPORT_SESSION or GOAWAY).
        case sessionDraining
    }

    private enum StreamState {
        case uniType([UInt8])
        case control(HTTP3FrameReader, settingsSeen: Bool)
        case discard(critical: Bool)
        case wtPrefix(bidirectional: Bool, [UInt8])
        case buffered(sessionID: UInt64, bidirectional: Bool, [UInt8], fin: Bool)
        case webTransport
        case bidiStart([UInt8])
        case request(HTTP3FrameReader)
        case connect(HTTP3FrameReader, CapsuleReader)
        case done
    }

    public let configuration: Configuration
    private var streams: [UInt64: StreamState] = [:]
    private var actions: [Action] = []
    private var actionHead = 0
    /// The session's ID (its CONNECT stream), once accepted.
    public private(set) var sessionID: UInt64?
    /// True once the session ended (either side).
    public private(set) var isSessionClosed = false
    /// True once the connection failed with an HTTP/3 error: later input is ignored.
    public private(set) var connectionError: HTTP3Error?
    /// The peer's SETTINGS, once received.
    public private(set) var peerSettings: HTTP3Settings?
    /// Requests that were not made sessions (their WebTransport streams are refused); the newest
    /// `maxRememberedRejections` only.
    private var rejectedRequests = Set<UInt64>()
    static let maxRememberedRejections = 256
    private var seenUniTypes = Set<UInt64>()
    private var bufferedBytes = 0

    public init(configuration: Configuration) { self.configuration = configuration }

    /// The next action, in order.
    public func pollAction() -> Action? {
        guard actionHead < actions.count else {
            if actionHead > 0 { actions.removeAll(keepingCapacity: true); actionHead = 0 }
            return nil
        }
        defer { actionHead += 1 }
        return actions[actionHead]
    }

    private func emit(_ a: Action) { actions.append(a) }

    private func fail(_ e: HTTP3Error) {
        guard connectionError == nil else { return }
        connectionError = e
        emit(.closeConnection(e))
    }

    // MARK: Outgoing

    /// The bytes of this server's control stream (type 0x00, SETTINGS): open a uni stream at the
    /// handshake and write them; never end that stream.
    public func controlStreamBytes() -> [UInt8] {
        [0x00] + HTTP3FrameType.encode(type: HTTP3FrameType.settings, payload: HTTP3Settings.webTransportServer().encodePayload())
    }

    /// The prefix to write first on a stream this server opens for the session (uni: 0x54, bidi:
    /// 0x41, then the session ID). The peer's bytes on a bidi one come back as `streamData`.
    public func prefixForLocalStream(_ streamID: UInt64, bidirectional: Bool) -> [UInt8] {
        var w = ByteWriter()
        w.writeVarint(bidirectional ? 0x41 : 0x54)
        w.writeVarint(sessionID ?? 0)
        return w.bytes
    }

    /// The prefix of the session's datagrams (its quarter stream ID, RFC 9297).
    public func datagramPrefix() -> [UInt8] { QUICVarint.encode((sessionID ?? 0) / 4) }

    /// Ends the session: CLOSE_WEBTRANSPORT_SESSION in a DATA frame, then FIN on the CONNECT stream.
    public func closeSession(code: UInt32, message: String) {
        guard let id = sessionID, !isSessionClosed else { return }
        isSessionClosed = true
        let capsule = WebTransportCapsule.close(code: code, message: message).encode()
        emit(.write(streamID: id, bytes: HTTP3FrameType.encode(type: HTTP3FrameType.data, payload: capsule), fin: true))
    }

    /// Asks the peer to wind the session down (DRAIN_WEBTRANSPORT_SESSION).
    public func drainSession() {
        guard let id = sessionID, !isSessionClosed else { return }
        let capsule = WebTransportCapsule.drain.encode()
        emit(.write(streamID: id, bytes: HTTP3FrameType.encode(type: HTTP3FrameType.data, payload: capsule), fin: false))
    }

    /// True for a stream that carries session payload (prefix already handled).
    public func isWebTransportStream(_ streamID: UInt64) -> Bool {
        if case .webTransport? = streams[streamID] { return true }
        return false
    }

    // MARK: Incoming

    /// Bytes of a stream, in order; `fin` when the stream ends after them.
    public func receive(streamID id: UInt64, bytes: [UInt8], fin: Bool) {
        guard connectionError == nil else { return }
        let state: StreamState
        if let s = streams[id] {
            state = s
        } else if id & 0x2 != 0 {
            guard id & 0x1 == 0 else { return }  // our own uni streams receive nothing
            state = .uniType([])
        } else if id & 0x1 != 0 {
            state = .webTransport  // a bidi stream of ours (registered by prefixForLocalStream)
        } else {
            state = .bidiStart([])
        }
        process(id, state, bytes, fin)
    }

    private func process(_ id: UInt64, _ state: StreamState, _ bytes: [UInt8], _ fin: Bool) {
        switch state {
        case .uniType(var buffer):
            buffer += bytes
            var r = ByteReader(buffer)
            guard let type = try? r.readVarint() else {
                streams[id] = fin ? .done : .uniType(buffer)
                return
            }
            let rest = Array(buffer[r.offset...])
            switch type {
            case 0x00, 0x02, 0x03:
                guard seenUniTypes.insert(type).inserted else {
                    return fail(HTTP3Error(.streamCreationError, "second \(type == 0 ? "control" : "QPACK") stream"))
                }
                if type == 0x00 {
                    process(id, .control(HTTP3FrameReader(maxFramePayload: configuration.maxHeaderBytes), settingsSeen: false), rest, fin)
                } else {
                    process(id, .discard(critical: true), rest, fin)
                }
            case 0x01:
                fail(HTTP3Error(.streamCreationError, "push stream from a client"))
            case 0x54:
                process(id, .wtPrefix(bidirectional: false, []), rest, fin)
            default:
                // Unknown or reserved (GREASE) stream type: not read (RFC 9114 §6.2).
                streams[id] = .done
                emit(.stopSending(streamID: id, code: .streamCreationError))
            }
        case .control(var reader, var settingsSeen):
            reader.append(bytes)
            do throws(HTTP3Error) {
                while let event = try reader.next() {
                    guard case .frame(let type, let payload) = event else {
                        throw HTTP3Error(settingsSeen ? .frameUnexpected : .missingSettings, "DATA on the control stream")
                    }
                    if !settingsSeen {
                        guard type == HTTP3FrameType.settings else {
                            throw HTTP3Error(.missingSettings, "control stream starts with frame 0x\(String(type, radix: 16))")
                        }
                        peerSettings = try HTTP3Settings.decode(payload: payload)
                        settingsSeen = true
                        continue
                    }
                    switch type {
                    case HTTP3FrameType.goaway:
                        emit(.sessionDraining)
                    case HTTP3FrameType.cancelPush, HTTP3FrameType.maxPushID:
                        break
                    default:
                        throw HTTP3Error(.frameUnexpected, "frame 0x\(String(type, radix: 16)) on the control stream")
                    }
                }
            } catch {
                return fail(error)
            }
            if fin { return fail(HTTP3Error(.closedCriticalStream, "control stream ended")) }
            streams[id] = .control(reader, settingsSeen: settingsSeen)
        case .discard(let critical):
            if fin && critical { return fail(HTTP3Error(.closedCriticalStream, "QPACK stream ended")) }
            streams[id] = .discard(critical: critical)
        case .wtPrefix(let bidirectional, var buffer):
            buffer += bytes
            var r = ByteReader(buffer)
            guard let session = try? r.readVarint() else {
                streams[id] = fin ? .done : .wtPrefix(bidirectional: bidirectional, buffer)
                return
            }
            guard session & 0x3 == 0 else {
                return fail(HTTP3Error(.idError, "WebTransport stream for session \(session), not a request stream"))
            }
            let rest = Array(buffer[r.offset...])
            if session == sessionID && !isSessionClosed {
                streams[id] = .webTransport
                emit(.streamOpened(streamID: id, bidirectional: bidirectional))
                if !rest.isEmpty || fin { emit(.streamData(streamID: id, bytes: rest, fin: fin)) }
            } else if session == sessionID || rejectedRequests.contains(session) || (sessionID != nil && session < sessionID!) {
                refuse(id, bidirectional: bidirectional, fin: fin, code: .webTransportSessionGone)
            } else if bufferedCount >= configuration.maxBufferedStreams || bufferedBytes + rest.count > configuration.maxBufferedBytes {
                refuse(id, bidirectional: bidirectional, fin: fin, code: .webTransportBufferedStreamRejected)
            } else {
                bufferedBytes += rest.count
                streams[id] = .buffered(sessionID: session, bidirectional: bidirectional, rest, fin: fin)
            }
        case .buffered(let session, let bidirectional, var held, _):
            if bufferedBytes + bytes.count > configuration.maxBufferedBytes {
                bufferedBytes -= held.count
                refuse(id, bidirectional: bidirectional, fin: fin, code: .webTransportBufferedStreamRejected)
                return
            }
            bufferedBytes += bytes.count
            held += bytes
            streams[id] = .buffered(sessionID: session, bidirectional: bidirectional, held, fin: fin)
        case .webTransport:
            streams[id] = fin ? nil : .webTransport
            emit(.streamData(streamID: id, bytes: bytes, fin: fin))
        case .bidiStart(var buffer):
            buffer += bytes
            var r = ByteReader(buffer)
            guard let first = try? r.readVarint() else {
                streams[id] = fin ? .done : .bidiStart(buffer)
                return
            }
            if first == 0x41 {
                process(id, .wtPrefix(bidirectional: true, []), Array(buffer[r.offset...]), fin)
            } else {
                process(id, .request(HTTP3FrameReader(maxFramePayload: configuration.maxHeaderBytes)), buffer, fin)
            }
        case .request(var reader):
            reader.append(bytes)
            let event: HTTP3FrameEvent?
            do throws(HTTP3Error) { event = try reader.next() } catch { return fail(error) }
            guard let event else {
                if fin {
                    // The request ended before its HEADERS (RFC 9114 §4.1: H3_REQUEST_INCOMPLETE).
                    streams[id] = .done
                    rememberRejection(id)
                    emit(.resetStream(streamID: id, code: .requestIncomplete))
                } else {
                    streams[id] = .request(reader)
                }
                return
            }
            guard case .frame(let type, let payload) = event, type == HTTP3FrameType.headers else {
                return fail(HTTP3Error(.frameUnexpected, "request stream does not start with HEADERS"))
            }
            handleRequest(id, payload: payload, reader: reader, fin: fin)
        case .connect(var reader, var capsules):
            reader.append(bytes)
            do throws(HTTP3Error) {
                while let event = try reader.next() {
                    switch event {
                    case .dataStart:
                        break
                    case .data(let chunk):
                        capsules.append(chunk)
                        while let capsule = try capsules.next() {
                            switch capsule {
                            case .close(let code, let message):
                                peerClosedSession(code: code, message: message)
                            case .drain:
                                emit(.sessionDraining)
                            case .unknown:
                                break
                            }
                        }
                    case .frame(let type, _):
                        // Trailers may follow; nothing else belongs on a request stream.
                        guard type == HTTP3FrameType.headers else {
                            throw HTTP3Error(.frameUnexpected, "frame 0x\(String(type, radix: 16)) on the CONNECT stream")
                        }
                    }
                }
            } catch {
                if error.code == .frameUnexpected { return fail(error) }
                // A malformed capsule ends this session only.
                streams[id] = .done
                emit(.resetStream(streamID: id, code: error.code))
                peerClosedSession(code: 0, message: "\(error)")
                return
            }
            if fin {
                streams[id] = .done
                peerClosedSession(code: 0, message: "")
                return
            }
            streams[id] = .connect(reader, capsules)
        case .done:
            if fin, case .done? = streams[id] { streams[id] = nil }
        }
    }

    private var bufferedCount: Int {
        streams.values.reduce(0) { if case .buffered = $1 { return $0 + 1 } else { return $0 } }
    }

    private func rememberRejection(_ id: UInt64) {
        rejectedRequests.insert(id)
        if rejectedRequests.count > Self.maxRememberedRejections, let oldest = rejectedRequests.min() { rejectedRequests.remove(oldest) }
    }

    private func refuse(_ id: UInt64, bidirectional: Bool, fin: Bool, code: HTTP3ErrorCode) {
        streams[id] = .done
        emit(.stopSending(streamID: id, code: code))
        if bidirectional { emit(.resetStream(streamID: id, code: code)) }
    }

    private func peerClosedSession(code: UInt32, message: String) {
        let wasOpen = !isSessionClosed
        isSessionClosed = true
        if let id = sessionID, wasOpen {
            // Our side of the CONNECT stream ends too (draft: a FIN answers a close).
            emit(.write(streamID: id, bytes: [], fin: true))
        }
        emit(.sessionClosed(code: code, message: message))
    }

    private func handleRequest(_ id: UInt64, payload: [UInt8], reader: HTTP3FrameReader, fin: Bool) {
        let verdict: WebTransportRequestVerdict
        do throws(HTTP3Error) {
            verdict = try WebTransportConnect.classify(try QPACK.decode(payload, maxSize: configuration.maxHeaderBytes))
        } catch {
            if error.code == .messageError {
                // A malformed request is a stream error (RFC 9114 §4.1.2).
                streams[id] = .done
                rememberRejection(id)
                emit(.stopSending(streamID: id, code: .messageError))
                emit(.resetStream(streamID: id, code: .messageError))
                rejectBuffered(session: id)
            } else {
                fail(error)
            }
            return
        }
        func reject(_ status: Int) {
            streams[id] = .done
            rememberRejection(id)
            let headers = QPACK.encode([HTTPField(":status", String(status))])
            emit(.write(streamID: id, bytes: HTTP3FrameType.encode(type: HTTP3FrameType.headers, payload: headers), fin: true))
            emit(.stopSending(streamID: id, code: .noError))
            rejectBuffered(session: id)
        }
        switch verdict {
        case .reject(let status, _):
            reject(status)
        case .webTransport(let request):
            guard sessionID == nil else { return reject(429) }
            var selected: String?
            if !request.availableProtocols.isEmpty {
                selected = request.availableProtocols.first { configuration.supportedProtocols.contains($0) }
                guard selected != nil else { return reject(400) }
            }
            if fin { return reject(400) }
            sessionID = id
            let headers = QPACK.encode(WebTransportConnect.acceptFields(selectedProtocol: selected))
            emit(.write(streamID: id, bytes: HTTP3FrameType.encode(type: HTTP3FrameType.headers, payload: headers), fin: false))
            emit(.sessionReady(sessionID: id, request: request, selectedProtocol: selected))
            // Streams that came before the CONNECT, in stream ID order.
            for (sid, state) in streams.sorted(by: { $0.key < $1.key }) {
                guard case .buffered(let session, let bidirectional, let held, let heldFin) = state else { continue }
                if session == id {
                    bufferedBytes -= held.count
                    streams[sid] = heldFin ? nil : .webTransport
                    emit(.streamOpened(streamID: sid, bidirectional: bidirectional))
                    if !held.isEmpty || heldFin { emit(.streamData(streamID: sid, bytes: held, fin: heldFin)) }
                }
            }
            // Whatever followed the HEADERS frame (capsules) is read as the CONNECT stream.
            process(id, .connect(reader, CapsuleReader()), [], false)
        }
    }

    /// Buffered streams of a request that will never be a session are refused.
    private func rejectBuffered(session: UInt64) {
        for (sid, state) in streams.sorted(by: { $0.key < $1.key }) {
            guard case .buffered(let s, let bidirectional, let held, let heldFin) = state, s == session else { continue }
            bufferedBytes -= held.count
            refuse(sid, bidirectional: bidirectional, fin: heldFin, code: .webTransportSessionGone)
        }
    }

    /// The peer reset a stream.
    public func receiveReset(streamID id: UInt64, code: UInt64) {
        guard connectionError == nil, let state = streams[id] else { return }
        switch state {
        case .control, .discard(critical: true):
            fail(HTTP3Error(.closedCriticalStream, "critical stream reset"))
        case .webTransport:
            streams[id] = nil  // nothing more comes on a reset stream: forget it
            emit(.streamReset(streamID: id, code: HTTP3ErrorCode(rawValue: code).webTransportCode))
        case .buffered(_, _, let held, _):
            bufferedBytes -= held.count
            streams[id] = nil
        case .connect:
            streams[id] = .done
            peerClosedSession(code: 0, message: "CONNECT stream reset (\(HTTP3ErrorCode(rawValue: code)))")
        default:
            streams[id] = nil
        }
    }

    /// A QUIC DATAGRAM: quarter stream ID, then the payload. A truncated or out-of-range prefix
    /// is H3_DATAGRAM_ERROR; a datagram for no live session is dropped.
    public func receiveDatagram(_ bytes: [UInt8]) {
        guard connectionError == nil else { return }
        var r = ByteReader(bytes)
        guard let quarter = try? r.readVarint(), quarter < (1 << 60) else {
            return fail(HTTP3Error(.datagramError, "datagram without a quarter stream ID"))
        }
        guard quarter * 4 == sessionID, !isSessionClosed else { return }
        emit(.datagram(r.readRest()))
    }
}
