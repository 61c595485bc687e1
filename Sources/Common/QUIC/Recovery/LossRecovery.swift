/// Loss detection and congestion bookkeeping (RFC 9002 §6 and Appendix A), named after the
/// RFC's pseudocode. It owns the sent-packet records; the connection acts on what it returns
/// (acknowledged and lost packets, probes to send).
package final class LossRecovery {
    /// kPacketThreshold.
    package static let packetThreshold: UInt64 = 3
    /// kGranularity.
    package static let granularity = QUICDuration.milliseconds(1)
    /// kPersistentCongestionThreshold.
    package static let persistentCongestionThreshold: UInt64 = 3

    package struct SpaceState {
        /// Unacknowledged packets in packet-number order.
        package var sentPackets: [SentPacket] = []
        package var largestAckedPacket: UInt64?
        package var timeOfLastAckElicitingPacket: QUICTime?
        package var lossTime: QUICTime?
        package var ackElicitingInFlight = 0
        package var discarded = false
    }

    /// What an ACK frame did.
    package struct AckResult {
        package var newlyAcked: [SentPacket] = []
        /// External packets acknowledged while still in their compact form.
        package var ackedExternal: [ExternalPacket] = []
        package var lost: [SentPacket] = []
    }

    /// What a loss detection timeout asks for.
    package enum TimeoutAction {
        case none
        /// Packets declared lost by the time threshold.
        case lost([SentPacket])
        /// Send `count` ack-eliciting probe packets in `space`.
        case probe(space: PacketNumberSpace, count: Int)
    }

    package var spaces = [SpaceState](repeating: SpaceState(), count: 3)
    /// In-flight application packets someone else sent, not (yet) kept as `SentPacket`s; all of them
    /// above `largestAckedPacket` once an ACK has been processed (see `ExternalPacket`).
    package private(set) var external = ExternalPacketQueue()
    package var rtt: RTTEstimator
    package var ptoCount = 0
    package private(set) var lossDetectionTimer: QUICTime?
    package let congestion: CongestionController
    package private(set) var bytesInFlight = 0
    /// The peer's max_ack_delay.
    package var maxAckDelay = QUICDuration.milliseconds(25)
    package var handshakeConfirmed = false
    /// Client only: the server has validated our address (we received a Handshake ACK or the handshake is confirmed).
    package var peerCompletedAddressValidation: Bool
    /// Server only: set when the anti-amplification limit blocks sending, so the PTO timer is not armed.
    package var amplificationBlocked = false
    package var hasHandshakeKeys = false
    /// Counters for reports.
    package private(set) var packetsLost = 0
    package private(set) var packetsSent = 0
    package private(set) var ptoFired = 0

    package init(isServer: Bool, congestion: CongestionController, initialRtt: QUICDuration) {
        self.congestion = congestion
        self.rtt = RTTEstimator(initialRtt: initialRtt)
        self.peerCompletedAddressValidation = isServer
    }

    // MARK: Sending

    /// OnPacketSent (RFC 9002 §A.5).
    package func onPacketSent(_ packet: SentPacket, now: QUICTime) {
        let i = packet.space.rawValue
        guard !spaces[i].discarded else { return }
        packetsSent += 1
        if packet.inFlight {
            if packet.ackEliciting {
                spaces[i].timeOfLastAckElicitingPacket = packet.timeSent
                spaces[i].ackElicitingInFlight += 1
            }
            bytesInFlight += packet.sentBytes
            congestion.onPacketSent(sentBytes: packet.sentBytes, now: now)
        }
        // Records are kept in packet-number order; externally registered packets may arrive late.
        if let last = spaces[i].sentPackets.last, last.packetNumber > packet.packetNumber {
            let at = index(in: spaces[i].sentPackets, firstAtLeast: packet.packetNumber)
            spaces[i].sentPackets.insert(packet, at: at)
        } else {
            spaces[i].sentPackets.append(packet)
        }
        if packet.inFlight { setLossDetectionTimer(now: now) }
    }

    /// OnPacketSent for a packet someone else sent (see `ExternalPacket`): the same accounting, kept
    /// compact. A packet at or below the largest acknowledged one (registered after an ACK that did
    /// not cover it) is a loss candidate at once and kept as a `SentPacket`.
    package func onExternalPacketSent(_ packet: ExternalPacket, now: QUICTime) {
        let i = PacketNumberSpace.application.rawValue
        guard !spaces[i].discarded else { return }
        if let largest = spaces[i].largestAckedPacket, packet.packetNumber <= largest {
            onPacketSent(packet.sentPacket, now: now)
            return
        }
        packetsSent += 1
        spaces[i].timeOfLastAckElicitingPacket = packet.timeSent
        spaces[i].ackElicitingInFlight += 1
        bytesInFlight += packet.sentBytes
        congestion.onPacketSent(sentBytes: packet.sentBytes, now: now)
        external.insert(packet)
        setLossDetectionTimer(now: now)
    }

    /// Splits the external packets at or below the ACK's largest: acknowledged ones are returned,
    /// the others become `SentPacket`s among the tracked ones (loss candidates). `ranges` descend.
    private func resolveExternal(_ ranges: [ClosedRange<UInt64>], largest: UInt64) -> [ExternalPacket] {
        var acked: [ExternalPacket] = []
        var r = ranges.count - 1  // lowest range first
        let si = PacketNumberSpace.application.rawValue
        while let p = external.first, p.packetNumber <= largest {
            _ = external.popFirst()
            while r > 0 && ranges[r].upperBound < p.packetNumber { r -= 1 }
            if ranges[r].contains(p.packetNumber) {
                acked.append(p)
            } else {
                let record = p.sentPacket
                let at = index(in: spaces[si].sentPackets, firstAtLeast: p.packetNumber)
                spaces[si].sentPackets.insert(record, at: at)
            }
        }
        return acked
    }

    private func index(in packets: [SentPacket], firstAtLeast pn: UInt64) -> Int {
        var lo = 0, hi = packets.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if packets[mid].packetNumber < pn { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    // MARK: ACKs

    /// OnAckReceived (RFC 9002 §A.7). `ackDelay` is the decoded ACK Delay.
    package func onAckReceived(_ ack: AckFrame, ackDelay: QUICDuration, space: PacketNumberSpace, now: QUICTime) -> AckResult {
        var result = AckResult()
        let si = space.rawValue
        guard !spaces[si].discarded else { return result }
        let largest = ack.largestAcknowledged
        spaces[si].largestAckedPacket = max(spaces[si].largestAckedPacket ?? 0, largest)

        if space == .application && !external.isEmpty {
            result.ackedExternal = resolveExternal(ack.ranges, largest: largest)
        }
        // DetectAndRemoveAckedPackets: ranges come highest first.
        for range in ack.ranges {
            let lo = index(in: spaces[si].sentPackets, firstAtLeast: range.lowerBound)
            let hi = index(in: spaces[si].sentPackets, firstAtLeast: range.upperBound &+ 1)
            guard lo < hi else { continue }
            result.newlyAcked.append(contentsOf: spaces[si].sentPackets[lo..<hi])
            spaces[si].sentPackets.removeSubrange(lo..<hi)
        }
        guard !result.newlyAcked.isEmpty || !result.ackedExternal.isEmpty else { return result }
        result.newlyAcked.sort { $0.packetNumber < $1.packetNumber }
        for p in result.newlyAcked where p.inFlight {
            bytesInFlight -= p.sentBytes
            if p.ackEliciting { spaces[si].ackElicitingInFlight -= 1 }
        }
        for p in result.ackedExternal {
            bytesInFlight -= p.sentBytes
            spaces[si].ackElicitingInFlight -= 1
        }

        // An RTT sample when the largest acknowledged is newly acknowledged and some packet was ack-eliciting.
        var newestTimeSent: QUICTime?
        if let newest = result.ackedExternal.last, newest.packetNumber == largest {
            newestTimeSent = newest.timeSent
        } else if let newest = result.newlyAcked.last, newest.packetNumber == largest,
                  !result.ackedExternal.isEmpty || result.newlyAcked.contains(where: { $0.ackEliciting }) {
            newestTimeSent = newest.timeSent
        }
        if let sent = newestTimeSent {
            var delay = space == .application ? ackDelay : .zero
            if handshakeConfirmed { delay = min(delay, maxAckDelay) }
            rtt.updateRtt(latestRtt: now - sent, ackDelay: delay, now: now)
        }

        result.lost = detectAndRemoveLostPackets(space: space, now: now)
        if !result.lost.isEmpty { onPacketsLost(result.lost, now: now) }
        onPacketsAcked(result.newlyAcked, result.ackedExternal, now: now)

        // Reset pto_count unless the client is unsure if the server has validated its address.
        if peerCompletedAddressValidation { ptoCount = 0 }
        setLossDetectionTimer(now: now)
        return result
    }

    /// OnPacketsAcked, in packet-number order over both forms (the controller's growth is order-dependent).
    private func onPacketsAcked(_ packets: [SentPacket], _ external: [ExternalPacket], now: QUICTime) {
        var i = 0, j = 0
        while i < packets.count || j < external.count {
            if j == external.count || (i < packets.count && packets[i].packetNumber < external[j].packetNumber) {
                let p = packets[i]
                i += 1
                guard p.inFlight else { continue }
                congestion.onPacketAcked(sentBytes: p.sentBytes, timeSent: p.timeSent, now: now, rtt: rtt, appLimited: false)
            } else {
                let p = external[j]
                j += 1
                congestion.onPacketAcked(sentBytes: p.sentBytes, timeSent: p.timeSent, now: now, rtt: rtt, appLimited: false)
            }
        }
    }

    // MARK: Loss detection

    /// DetectAndRemoveLostPackets (RFC 9002 §A.10).
    package func detectAndRemoveLostPackets(space: PacketNumberSpace, now: QUICTime) -> [SentPacket] {
        let si = space.rawValue
        guard let largestAcked = spaces[si].largestAckedPacket else { return [] }
        spaces[si].lossTime = nil
        var lost: [SentPacket] = []
        let lossDelayNanos = max(
            UInt64(Double(max(rtt.latestRtt, rtt.smoothedRtt).nanoseconds) * 9.0 / 8.0),
            Self.granularity.nanoseconds)
        let lossDelay = QUICDuration(nanoseconds: lossDelayNanos)
        let lostSendTime: QUICTime? = now.nanoseconds > lossDelay.nanoseconds ? QUICTime(nanoseconds: now.nanoseconds - lossDelay.nanoseconds) : nil
        var lostIndexes: [Int] = []
        var lossTime: QUICTime?
        var i = 0
        let count = spaces[si].sentPackets.count
        while i < count {
            let p = spaces[si].sentPackets[i]
            if p.packetNumber > largestAcked { break }
            if (lostSendTime.map { p.timeSent <= $0 } ?? false) || largestAcked >= p.packetNumber + Self.packetThreshold {
                lost.append(p)
                lostIndexes.append(i)
            } else {
                let t = p.timeSent + lossDelay
                lossTime = lossTime.map { min($0, t) } ?? t
            }
            i += 1
        }
        spaces[si].lossTime = lossTime
        if !lost.isEmpty {
            if lostIndexes.count == i {
                spaces[si].sentPackets.removeSubrange(0..<i)
            } else {
                for index in lostIndexes.reversed() { spaces[si].sentPackets.remove(at: index) }
            }
            for p in lost where p.inFlight {
                bytesInFlight -= p.sentBytes
                if p.ackEliciting { spaces[si].ackElicitingInFlight -= 1 }
            }
            packetsLost += lost.count
        }
        return lost
    }

    /// OnPacketsLost (RFC 9002 §B.8): one congestion event, plus persistent congestion.
    private func onPacketsLost(_ lost: [SentPacket], now: QUICTime) {
        guard let newest = lost.filter(\.inFlight).max(by: { $0.timeSent < $1.timeSent }) else { return }
        congestion.onCongestionEvent(timeSent: newest.timeSent, now: now)
        // Persistent congestion: ack-eliciting losses spanning more than the persistent congestion duration,
        // sent after the first RTT sample.
        guard let firstSample = rtt.firstRttSample else { return }
        let eliciting = lost.filter { $0.ackEliciting && $0.timeSent > firstSample }
        guard let first = eliciting.first, let last = eliciting.last, eliciting.count >= 2 else { return }
        let pcDuration = (rtt.smoothedRtt + max(rtt.rttvar * 4, Self.granularity) + maxAckDelay) * Self.persistentCongestionThreshold
        // Only when no packet between them was acknowledged: the lost list is contiguous in packet numbers.
        let contiguous = eliciting.count >= Int(last.packetNumber - first.packetNumber + 1) / 2
        if last.timeSent - first.timeSent > pcDuration && contiguous {
            congestion.onPersistentCongestion(now: now)
        }
    }

    // MARK: Timers

    private func ptoBase() -> QUICDuration {
        rtt.smoothedRtt + max(rtt.rttvar * 4, Self.granularity)
    }

    /// The current PTO period without backoff (used for closing and idle periods).
    package var ptoPeriod: QUICDuration { ptoBase() + maxAckDelay }

    /// GetLossTimeAndSpace (RFC 9002 §A.8).
    private func getLossTimeAndSpace() -> (QUICTime?, PacketNumberSpace) {
        var time: QUICTime?
        var space = PacketNumberSpace.initial
        for s in PacketNumberSpace.allCases {
            if let t = spaces[s.rawValue].lossTime, time == nil || t < time! {
                time = t
                space = s
            }
        }
        return (time, space)
    }

    /// GetPtoTimeAndSpace (RFC 9002 §A.8).
    package func getPtoTimeAndSpace(now: QUICTime) -> (QUICTime?, PacketNumberSpace) {
        let backoff = UInt64(1) << UInt64(min(ptoCount, 30))
        var duration = ptoBase() * backoff
        // Anti-deadlock PTO: nothing in flight but the client is not sure its address is validated.
        if spaces.allSatisfy({ $0.ackElicitingInFlight == 0 }) {
            return (now + duration, hasHandshakeKeys ? .handshake : .initial)
        }
        var ptoTimeout: QUICTime?
        var ptoSpace = PacketNumberSpace.initial
        for space in PacketNumberSpace.allCases {
            let state = spaces[space.rawValue]
            if state.ackElicitingInFlight == 0 || state.discarded { continue }
            if space == .application {
                if !handshakeConfirmed { return (ptoTimeout, ptoSpace) }
                duration = duration + maxAckDelay * backoff
            }
            if let last = state.timeOfLastAckElicitingPacket {
                let t = last + duration
                if ptoTimeout == nil || t < ptoTimeout! {
                    ptoTimeout = t
                    ptoSpace = space
                }
            }
        }
        return (ptoTimeout, ptoSpace)
    }

    /// SetLossDetectionTimer (RFC 9002 §A.8).
    package func setLossDetectionTimer(now: QUICTime) {
        let (lossTime, _) = getLossTimeAndSpace()
        if let lossTime {
            lossDetectionTimer = lossTime
            return
        }
        if amplificationBlocked {
            lossDetectionTimer = nil
            return
        }
        if spaces.allSatisfy({ $0.ackElicitingInFlight == 0 }) && peerCompletedAddressValidation {
            lossDetectionTimer = nil
            return
        }
        lossDetectionTimer = getPtoTimeAndSpace(now: now).0
    }

    /// OnLossDetectionTimeout (RFC 9002 §A.9).
    package func onLossDetectionTimeout(now: QUICTime) -> TimeoutAction {
        let (earliestLossTime, lossSpace) = getLossTimeAndSpace()
        if earliestLossTime != nil {
            let lost = detectAndRemoveLostPackets(space: lossSpace, now: now)
            if !lost.isEmpty { onPacketsLost(lost, now: now) }
            setLossDetectionTimer(now: now)
            return lost.isEmpty ? .none : .lost(lost)
        }
        let action: TimeoutAction
        if spaces.allSatisfy({ $0.ackElicitingInFlight == 0 }) {
            // Client anti-deadlock: Handshake packet if we have the keys, else a padded Initial.
            action = .probe(space: hasHandshakeKeys ? .handshake : .initial, count: 1)
        } else {
            let (_, space) = getPtoTimeAndSpace(now: now)
            action = .probe(space: space, count: 2)
        }
        ptoCount += 1
        ptoFired += 1
        setLossDetectionTimer(now: now)
        return action
    }

    /// The oldest unacknowledged ack-eliciting packet in `space` (for probes that resend data).
    package func oldestUnacked(space: PacketNumberSpace) -> SentPacket? {
        let tracked = spaces[space.rawValue].sentPackets.first(where: { $0.ackEliciting })
        guard space == .application, let e = external.first else { return tracked }
        guard let tracked, tracked.packetNumber < e.packetNumber else { return e.sentPacket }
        return tracked
    }

    /// Drops a space's state when its keys are discarded (RFC 9002 §6.4).
    package func discardSpace(_ space: PacketNumberSpace, now: QUICTime) {
        var state = spaces[space.rawValue]
        for p in state.sentPackets where p.inFlight { bytesInFlight -= p.sentBytes }
        if space == .application {
            for p in external.removeAll() { bytesInFlight -= p.sentBytes }
        }
        state = SpaceState()
        state.discarded = true
        spaces[space.rawValue] = state
        ptoCount = 0
        setLossDetectionTimer(now: now)
    }

    /// Forgets all in-flight Initial packets after a Retry (they will be sent again with new keys).
    package func resetForRetry(now: QUICTime) -> [SentPacket] {
        var state = spaces[PacketNumberSpace.initial.rawValue]
        let packets = state.sentPackets
        for p in packets where p.inFlight { bytesInFlight -= p.sentBytes }
        state.sentPackets = []
        state.ackElicitingInFlight = 0
        state.timeOfLastAckElicitingPacket = nil
        state.lossTime = nil
        spaces[PacketNumberSpace.initial.rawValue] = state
        setLossDetectionTimer(now: now)
        return packets
    }
}
