import QUIC

/// A deterministic in-process network: nodes at addresses, one-way links between them with
/// seeded loss, delay, jitter (reordering), duplication and a bandwidth cap, all on a virtual
/// clock. Nothing sleeps; a run of minutes of virtual time takes as long as the protocol work.
public final class NetworkSimulator {
    private struct Delivery {
        var time: QUICTime
        var sequence: UInt64
        var bytes: [UInt8]
        var source: QUICPeerAddress
        var destination: QUICPeerAddress
    }
    private struct LinkKey: Hashable {
        var source: QUICPeerAddress
        var destination: QUICPeerAddress
    }
    private struct LinkState {
        var configuration: LinkConfiguration
        var busyUntil = QUICTime.zero
        var stats = LinkStats()
    }

    /// The virtual clock.
    public private(set) var now: QUICTime
    private var nodes: [QUICPeerAddress: SimulatedNode] = [:]
    private var nodeOrder: [QUICPeerAddress] = []
    private var links: [LinkKey: LinkState] = [:]
    /// The link used where none was configured.
    public var defaultLink = LinkConfiguration()
    private var heap: [Delivery] = []
    private var sequence: UInt64 = 0
    private var rng: QUICRandom
    /// Called after every step (deliveries and timers) before nodes are polled for output:
    /// the place for application logic (reading streams, writing more data).
    public var onStep: ((QUICTime) -> Void)?

    /// A simulator with a seeded random source, starting at `start`.
    public init(seed: UInt64, start: QUICTime = QUICTime(nanoseconds: 1_000_000_000)) {
        rng = QUICRandom(seed: seed)
        now = start
    }

    /// Places a node at an address.
    public func add(_ node: SimulatedNode, at address: QUICPeerAddress) {
        if nodes[address] == nil { nodeOrder.append(address) }
        nodes[address] = node
    }

    /// Moves a node to a new address (NAT rebinding): datagrams still in flight to the old address
    /// are lost; links to and from the new address use the default configuration unless set.
    public func move(from old: QUICPeerAddress, to new: QUICPeerAddress) {
        guard let node = nodes.removeValue(forKey: old) else { return }
        nodes[new] = node
        nodeOrder = nodeOrder.map { $0 == old ? new : $0 }
    }

    /// Configures the one-way link from `source` to `destination` (counters are kept).
    public func setLink(from source: QUICPeerAddress, to destination: QUICPeerAddress, _ configuration: LinkConfiguration) {
        let key = LinkKey(source: source, destination: destination)
        var state = links[key] ?? LinkState(configuration: configuration)
        state.configuration = configuration
        links[key] = state
    }

    /// Counters of the link from `source` to `destination`.
    public func stats(from source: QUICPeerAddress, to destination: QUICPeerAddress) -> LinkStats {
        links[LinkKey(source: source, destination: destination)]?.stats ?? LinkStats()
    }

    /// Runs until `condition` holds (checked after every step) or `timeLimit` of virtual time passes,
    /// or nothing is left to happen. Returns whether the condition was met.
    @discardableResult
    public func run(timeLimit: QUICDuration, until condition: () -> Bool) -> Bool {
        let deadline = now + timeLimit
        flushOutputs()
        while true {
            if condition() { return true }
            var next: QUICTime? = heap.first?.time
            for address in nodeOrder {
                if let t = nodes[address]?.nextTimeout { next = next.map { min($0, t) } ?? t }
            }
            guard var t = next else { return condition() }
            if t > deadline {
                now = deadline
                return condition()
            }
            // Never let time stand still: a node whose timer stays due would spin.
            if t <= now { t = now + QUICDuration.microseconds(1) }
            now = t
            while let first = heap.first, first.time <= now {
                let d = popDelivery()
                nodes[d.destination]?.receive(datagram: d.bytes, from: d.source, now: now)
            }
            for address in nodeOrder {
                guard let node = nodes[address] else { continue }
                if let timeout = node.nextTimeout, timeout <= now { node.handleTimeout(now: now) }
            }
            onStep?(now)
            flushOutputs()
        }
    }

    /// Collects every node's pending datagrams and puts them on their links.
    public func flushOutputs() {
        var progress = true
        while progress {
            progress = false
            for address in nodeOrder {
                guard let node = nodes[address] else { continue }
                while let out = node.pollTransmit(now: now) {
                    send(out.bytes, from: address, to: out.destination)
                    progress = true
                }
            }
            if progress { onStep?(now) }
        }
    }

    private func send(_ bytes: [UInt8], from source: QUICPeerAddress, to destination: QUICPeerAddress) {
        let key = LinkKey(source: source, destination: destination)
        var link = links[key] ?? LinkState(configuration: defaultLink)
        let config = link.configuration
        link.stats.datagramsSent += 1
        link.stats.bytesSent += bytes.count
        var departure = now
        if let bandwidth = config.bandwidth, bandwidth > 0 {
            let start = max(now, link.busyUntil)
            let queued = start - now
            if let capacity = config.queueCapacity,
               Double(queued.nanoseconds) / 1e9 * Double(bandwidth) > Double(capacity) {
                link.stats.datagramsDropped += 1
                links[key] = link
                return
            }
            departure = start + QUICDuration(nanoseconds: UInt64(bytes.count) * 1_000_000_000 / bandwidth)
            link.busyUntil = departure
        }
        if config.lossRate > 0, Double.random(in: 0..<1, using: &rng) < config.lossRate {
            link.stats.datagramsDropped += 1
            links[key] = link
            return
        }
        var copies = 1
        if config.duplicationRate > 0, Double.random(in: 0..<1, using: &rng) < config.duplicationRate {
            copies = 2
            link.stats.datagramsDuplicated += 1
        }
        for _ in 0..<copies {
            var arrival = departure + config.delay
            if config.jitter.nanoseconds > 0 {
                arrival = arrival + QUICDuration(nanoseconds: UInt64.random(in: 0...config.jitter.nanoseconds, using: &rng))
            }
            link.stats.datagramsDelivered += 1
            link.stats.bytesDelivered += bytes.count
            pushDelivery(Delivery(time: arrival, sequence: sequence, bytes: bytes, source: source, destination: destination))
            sequence += 1
        }
        links[key] = link
    }

    // MARK: Binary heap ordered by (time, sequence)

    private func less(_ a: Delivery, _ b: Delivery) -> Bool { a.time < b.time || (a.time == b.time && a.sequence < b.sequence) }

    private func pushDelivery(_ d: Delivery) {
        heap.append(d)
        var i = heap.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            if less(heap[i], heap[parent]) { heap.swapAt(i, parent); i = parent } else { break }
        }
    }

    private func popDelivery() -> Delivery {
        let top = heap[0]
        let last = heap.removeLast()
        if !heap.isEmpty {
            heap[0] = last
            var i = 0
            while true {
                let l = 2 * i + 1, r = l + 1
                var m = i
                if l < heap.count && less(heap[l], heap[m]) { m = l }
                if r < heap.count && less(heap[r], heap[m]) { m = r }
                if m == i { break }
                heap.swapAt(i, m)
                i = m
            }
        }
        return top
    }
}
