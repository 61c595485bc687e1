import Wire

extension Draft18 {
    /// Any draft-18 control message, with the framing of §10: Type (vi64), Length (16), payload.
    public enum ControlMessage: Hashable, Sendable {
        /// Setup.
        case setup(Setup)
        /// GoAway.
        case goAway(GoAway)
        /// Subscribe.
        case subscribe(Subscribe)
        /// SubscribeOK.
        case subscribeOK(SubscribeOK)
        /// RequestUpdate.
        case requestUpdate(RequestUpdate)
        /// Publish.
        case publish(Publish)
        /// PublishDone.
        case publishDone(PublishDone)
        /// Fetch.
        case fetch(Fetch)
        /// FetchOK.
        case fetchOK(FetchOK)
        /// TrackStatus.
        case trackStatus(TrackStatus)
        /// PublishNamespace.
        case publishNamespace(PublishNamespace)
        /// Namespace.
        case namespace(Namespace)
        /// NamespaceDone.
        case namespaceDone(NamespaceDone)
        /// SubscribeNamespace.
        case subscribeNamespace(SubscribeNamespace)
        /// SubscribeTracks.
        case subscribeTracks(SubscribeTracks)
        /// PublishBlocked.
        case publishBlocked(PublishBlocked)
        /// RequestOK.
        case requestOK(RequestOK)
        /// RequestError.
        case requestError(RequestError)
        /// PUBLISH_STATE_NOTIFY (draft-22 only).
        case publishStateNotify(Draft22.PublishStateNotify)

        /// The message's type code.
        public var messageType: UInt64 {
            switch self {
            case .setup: return Setup.messageType
            case .goAway: return GoAway.messageType
            case .subscribe: return Subscribe.messageType
            case .subscribeOK: return SubscribeOK.messageType
            case .requestUpdate: return RequestUpdate.messageType
            case .publish: return Publish.messageType
            case .publishDone: return PublishDone.messageType
            case .fetch: return Fetch.messageType
            case .fetchOK: return FetchOK.messageType
            case .trackStatus: return TrackStatus.messageType
            case .publishNamespace: return PublishNamespace.messageType
            case .namespace: return Namespace.messageType
            case .namespaceDone: return NamespaceDone.messageType
            case .subscribeNamespace: return SubscribeNamespace.messageType
            case .subscribeTracks: return SubscribeTracks.messageType
            case .publishBlocked: return PublishBlocked.messageType
            case .requestOK: return RequestOK.messageType
            case .requestError: return RequestError.messageType
            case .publishStateNotify: return Draft22.PublishStateNotify.messageType
            }
        }

        /// True for the messages that may open a request stream (§3.3).
        public var opensRequestStream: Bool {
            switch self {
            case .subscribe, .publish, .fetch, .trackStatus, .publishNamespace, .subscribeNamespace, .subscribeTracks: return true
            default: return false
            }
        }

        /// Appends the framed message (draft-18 encoding).
        public func encode(into w: inout ByteWriter) { encode(into: &w, draft: .draft18) }

        /// Appends the framed message in `draft`'s encoding.
        public func encode(into w: inout ByteWriter, draft: MoQTDraft) {
            func f<M: Draft18Message>(_ m: M) { Draft18.frame(M.messageType, payload: { m.encodePayload(into: &$0, draft: draft) }, into: &w) }
            switch self {
            case .setup(let m): f(m)
            case .goAway(let m): f(m)
            case .subscribe(let m): f(m)
            case .subscribeOK(let m): f(m)
            case .requestUpdate(let m): f(m)
            case .publish(let m): f(m)
            case .publishDone(let m): f(m)
            case .fetch(let m): f(m)
            case .fetchOK(let m): f(m)
            case .trackStatus(let m): f(m)
            case .publishNamespace(let m): f(m)
            case .namespace(let m): f(m)
            case .namespaceDone(let m): f(m)
            case .subscribeNamespace(let m): f(m)
            case .subscribeTracks(let m): f(m)
            case .publishBlocked(let m): f(m)
            case .requestOK(let m): f(m)
            case .requestError(let m): f(m)
            case .publishStateNotify(let m): f(m)
            }
        }

        /// The framed message's bytes.
        public func encoded() -> [UInt8] { encoded(draft: .draft18) }

        /// The framed message's bytes in `draft`'s encoding.
        public func encoded(draft: MoQTDraft) -> [UInt8] {
            var w = ByteWriter()
            encode(into: &w, draft: draft)
            return w.bytes
        }

        /// Reads one framed message.
        ///
        /// Throws `DecodeError.needMoreData` without moving until the whole message is there. An
        /// unknown type, or a payload whose fields do not exactly fill Length, is PROTOCOL_VIOLATION;
        /// other failures carry the code the draft assigns.
        public static func decode(from r: inout ByteReader, options: DecodeOptions = .standard) throws -> ControlMessage {
            var c = r
            let type = try c.readVI64()
            guard isKnown(type, draft: options.draft) else {
                throw MoQTError.protocolViolation("unknown control message type 0x\(String(type, radix: 16))")
            }
            let length = Int(try c.readUInt16())
            guard c.remaining >= length else { throw DecodeError.needMoreData }
            var payload = ByteReader(c.bytes, range: c.offset..<c.offset + length)
            let message: ControlMessage
            do {
                message = try decodePayload(type: type, &payload, options: options)
            } catch {
                throw MoQTError.bounded(error, "control message 0x\(String(type, radix: 16))")
            }
            try c.skip(length)
            r = c
            return message
        }

        /// Whether `type` is a draft-18 control message type (PUBLISH_OK's 0x1E included).
        public static func isKnown(_ type: UInt64) -> Bool { knownTypes.contains(type) }

        /// Whether `type` is a control message type of `draft` (draft-22 adds PUBLISH_STATE_NOTIFY).
        public static func isKnown(_ type: UInt64, draft: MoQTDraft) -> Bool {
            knownTypes.contains(type) || (draft == .draft22 && type == Draft22.PublishStateNotify.messageType)
        }

        static let knownTypes: Set<UInt64> = [
            Setup.messageType, GoAway.messageType, Subscribe.messageType, SubscribeOK.messageType, RequestUpdate.messageType, Publish.messageType, PublishDone.messageType, Fetch.messageType, FetchOK.messageType, TrackStatus.messageType, PublishNamespace.messageType, Namespace.messageType, NamespaceDone.messageType, SubscribeNamespace.messageType, SubscribeTracks.messageType, PublishBlocked.messageType, RequestOK.messageType, RequestError.messageType, RequestOK.publishOKAlias,
        ]

        /// Parses a payload of message `type` that fills `r`.
        public static func decodePayload(type: UInt64, _ r: inout ByteReader, options: DecodeOptions = .standard) throws -> ControlMessage {
            switch type {
            case Setup.messageType: return .setup(try Setup.decodePayload(&r, options: options))
            case GoAway.messageType: return .goAway(try GoAway.decodePayload(&r, options: options))
            case Subscribe.messageType: return .subscribe(try Subscribe.decodePayload(&r, options: options))
            case SubscribeOK.messageType: return .subscribeOK(try SubscribeOK.decodePayload(&r, options: options))
            case RequestUpdate.messageType: return .requestUpdate(try RequestUpdate.decodePayload(&r, options: options))
            case Publish.messageType: return .publish(try Publish.decodePayload(&r, options: options))
            case PublishDone.messageType: return .publishDone(try PublishDone.decodePayload(&r, options: options))
            case Fetch.messageType: return .fetch(try Fetch.decodePayload(&r, options: options))
            case FetchOK.messageType: return .fetchOK(try FetchOK.decodePayload(&r, options: options))
            case TrackStatus.messageType: return .trackStatus(try TrackStatus.decodePayload(&r, options: options))
            case PublishNamespace.messageType: return .publishNamespace(try PublishNamespace.decodePayload(&r, options: options))
            case Namespace.messageType: return .namespace(try Namespace.decodePayload(&r, options: options))
            case NamespaceDone.messageType: return .namespaceDone(try NamespaceDone.decodePayload(&r, options: options))
            case SubscribeNamespace.messageType: return .subscribeNamespace(try SubscribeNamespace.decodePayload(&r, options: options))
            case SubscribeTracks.messageType: return .subscribeTracks(try SubscribeTracks.decodePayload(&r, options: options))
            case PublishBlocked.messageType: return .publishBlocked(try PublishBlocked.decodePayload(&r, options: options))
            case RequestOK.messageType, RequestOK.publishOKAlias: return .requestOK(try RequestOK.decodePayload(&r, options: options))
            case RequestError.messageType: return .requestError(try RequestError.decodePayload(&r, options: options))
            case Draft22.PublishStateNotify.messageType where options.draft == .draft22:
                return .publishStateNotify(try Draft22.PublishStateNotify.decodePayload(&r, options: options))
            default: throw MoQTError.protocolViolation("unknown control message type 0x\(String(type, radix: 16))")
            }
        }
    }
}
