import MoQT
import MoQTNet

extension RelayServer {
    /// Applies `authorization` to a session event (on the event loop): a SETUP token that grants
    /// nothing closes the session with UNAUTHORIZED (0x2); a request its session's tokens do not
    /// grant gets REQUEST_ERROR UNAUTHORIZED (0x1). True when the event may be handled as usual.
    /// The session to the upstream relay is ours and never checked.
    func authorize(_ connection: MoQTConnection, _ event: MoQTSessionEvent) -> Bool {
        guard authorization.isEnabled, connection !== upstreamRelay else { return true }
        let setupTokens = connection.session.peerSetupOptions?.authorizationTokens ?? []
        if case .ready = event {
            guard let why = authorization.setupRefusal(setupTokens) else { return true }
            log?("moq-relay: \(sessionLabel(connection)) closed with UNAUTHORIZED: \(why)")
            connection.performOnLoop { $0.close(code: .unauthorized, reason: why) }
            return false
        }
        guard let request = RelayAuthorization.role(of: event),
              let why = authorization.refusal(request.role, requestTokens: request.tokens, setupTokens: setupTokens) else { return true }
        log?("moq-relay: \(request.message) request \(request.requestID) from \(sessionLabel(connection)) refused: UNAUTHORIZED (\(why))")
        try? connection.session.reject(request.requestID, code: .unauthorized, reason: why)
        return false
    }
}
