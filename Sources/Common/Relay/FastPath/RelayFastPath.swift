import FastPath
import Foundation
import QUIC

/// The relay's kernel fast path (`moq-relay --ebpf`): the loaded BPF object, its pins, and the TC
/// attachments on the interfaces facing the relay's peers.
///
/// Interfaces get their program from the roles of the peers behind them: `fp_upstream_ingress` where a
/// publisher is (it also learns subscribers' addresses, so an interface facing both needs only it),
/// `fp_subscriber_ingress` where only subscribers are. With explicit interfaces (`--ebpf-ifaces`) every
/// one of them starts with `fp_subscriber_ingress` and is switched atomically when a publisher appears
/// behind it; without, interfaces are found from the route toward each peer as it connects.
public final class RelayFastPath: @unchecked Sendable {
    /// How the fast path starts.
    public struct Options: Sendable {
        /// The BPF object (nil: `FastPathObjectLocator`).
        public var objectPath: String?
        /// Interfaces to attach to (nil: detected from the routes toward peers).
        public var interfaces: [String]?
        /// Map sizes.
        public var configuration = FastPathConfiguration()
        /// The relay's connection ID length (every CID the relay issues has it).
        public var localConnectionIDLength = 8
        /// The kernel writes what it sent into each subscriber's sent log, read when that
        /// subscriber's ACKs or the periodic sweep need it; false: one ring-buffer record per copy
        /// (the earlier design, kept for A/B benchmarks).
        public var sentLog = true

        /// Options with the given object and interfaces.
        public init(objectPath: String? = nil, interfaces: [String]? = nil) {
            self.objectPath = objectPath
            self.interfaces = interfaces
        }
    }

    /// The loaded programs and maps.
    public let object: FastPathObject
    /// Where the object came from.
    public let objectPath: String
    /// The pin directory of this process.
    public let pinDirectory: String
    private let explicitInterfaces: Set<Int32>?
    private var attachments: [Int32: TCAttachment] = [:]
    private var interfaceNames: [Int32: String] = [:]
    private let lock = NSLock()
    private var isShutDown = false
    /// Receives log lines.
    public var log: (String) -> Void
    /// The kernel's send budget per subscriber before its connection's first loss, in bytes (the kernel
    /// cannot queue, so a slow-start window would cut the first keyframe burst). Set before `activate`.
    public var burstAllowance = 128 << 10
    /// Tests only: refresh the kernel's budget at most this often (nanoseconds; 0: at every change),
    /// to reproduce a user space that lags the ACKs.
    public var budgetSyncIntervalNanoseconds: UInt64 = 0
    /// Encrypted mode: subscribers and publishers whose connections negotiated ChaCha20-Poly1305 are
    /// served by the kernel too (it opens and seals their packets; docs/FASTPATH.md). Set before
    /// `activate`.
    public var encrypted = false
    /// Tests only: the relay starts a 1-RTT key update on every encrypted fast-path connection this
    /// often (nanoseconds; 0: never). Set before `activate`.
    public var forcedKeyUpdateNanoseconds: UInt64 = 0
    /// The user-space half, once `activate(endpoint:)` ran.
    var plane: RelayFastPathPlane?
    /// `Options.sentLog`.
    private(set) var sentLog = true
    /// `Options.localConnectionIDLength`.
    private(set) var localConnectionIDLength = 8
    /// The relay's UDP port.
    var relayPort: UInt16 = 0

    private init(object: FastPathObject, objectPath: String, pinDirectory: String, explicitInterfaces: Set<Int32>?,
                 log: @escaping (String) -> Void) {
        self.object = object
        self.objectPath = objectPath
        self.pinDirectory = pinDirectory
        self.explicitInterfaces = explicitInterfaces
        self.log = log
    }

    /// Checks privileges, removes what a crashed run left (pins, filters), loads and pins the object,
    /// and attaches to the explicit interfaces. Throws `FastPathError` with the reason (the verifier
    /// log on a load failure).
    public static func start(options: Options, log: @escaping (String) -> Void) throws -> RelayFastPath {
        try FastPathPrivileges.check()
        guard let path = options.objectPath ?? FastPathObjectLocator.locate() else {
            throw FastPathError(.objectNotFound, "cannot find fastpath.bpf.o (run `make bpf`, or pass --ebpf-object / $\(FastPathObjectLocator.environmentVariable)); looked in: \(FastPathObjectLocator.candidates().joined(separator: ", "))")
        }
        try FastPathPins.ensureBPFFS()
        for pid in FastPathPins.removeStale() { log("moq-relay: removed the stale fast-path pins of pid \(pid)") }
        var explicit: [(String, Int32)]?
        if let names = options.interfaces {
            explicit = try names.map { name in
                let index = if_nametoindex(name)
                guard index != 0 else { throw FastPathError(.interfaceNotFound, errno: errno, "no network interface \(name)") }
                return (name, Int32(index))
            }
            for (name, index) in explicit ?? [] where try TCAttachment.removeStale(interfaceIndex: index) {
                log("moq-relay: removed a stale fast-path filter from \(name)")
            }
        }
        let object = try FastPathObject.load(path: path, configuration: options.configuration)
        try object.setConfiguration(localConnectionIDLength: options.localConnectionIDLength,
                                    flags: options.sentLog ? [.enabled, .sentLog] : [.enabled])
        let dir = try FastPathPins.pin(object)
        let fastPath = RelayFastPath(object: object, objectPath: path, pinDirectory: dir,
                                     explicitInterfaces: explicit.map { Set($0.map(\.1)) }, log: log)
        fastPath.sentLog = options.sentLog
        fastPath.localConnectionIDLength = options.localConnectionIDLength
        do {
            for (name, index) in explicit ?? [] { try fastPath.attach(.subscriberIngress, interfaceIndex: index, name: name) }
        } catch {
            fastPath.shutdown()
            throw error
        }
        log("moq-relay: eBPF fast path loaded from \(path), pinned in \(dir)")
        return fastPath
    }

    // MARK: interfaces

    /// Makes sure the interface facing `peer` runs the program its role needs: `fp_upstream_ingress`
    /// for a publisher, at least `fp_subscriber_ingress` for a subscriber. Returns the route (nil when
    /// the fast path cannot serve that peer: no route, or an interface outside `--ebpf-ifaces`).
    @discardableResult
    public func ensureInterface(facing peer: QUICPeerAddress, publisher: Bool) -> FastPathRoute? {
        guard let route = FastPathRoute.toward(peer.ip) else {
            log("moq-relay: no route toward \(peer): the fast path cannot serve it")
            return nil
        }
        lock.lock()
        defer { lock.unlock() }
        guard !isShutDown else { return nil }
        if let explicit = explicitInterfaces, !explicit.contains(route.interfaceIndex) {
            log("moq-relay: \(peer) is behind \(route.interfaceName), which is not in --ebpf-ifaces: served in user space")
            return nil
        }
        let wanted: FastPathProgram = publisher ? .upstreamIngress : .subscriberIngress
        do {
            if let existing = attachments[route.interfaceIndex] {
                if publisher && existing.program != .upstreamIngress {
                    try existing.replace(with: .upstreamIngress, of: object)
                    log("moq-relay: \(route.interfaceName) faces a publisher: now runs \(FastPathProgram.upstreamIngress.rawValue)")
                }
            } else {
                if try TCAttachment.removeStale(interfaceIndex: route.interfaceIndex) {
                    log("moq-relay: removed a stale fast-path filter from \(route.interfaceName)")
                }
                try attachLocked(wanted, interfaceIndex: route.interfaceIndex, name: route.interfaceName)
            }
        } catch {
            log("moq-relay: cannot attach the fast path to \(route.interfaceName): \(error)")
            return nil
        }
        return route
    }

    /// The interfaces attached and their programs, by name.
    public var attachedInterfaces: [String: FastPathProgram] {
        lock.lock()
        defer { lock.unlock() }
        var result: [String: FastPathProgram] = [:]
        for (index, a) in attachments { result[interfaceNames[index] ?? "\(index)"] = a.program }
        return result
    }

    private func attach(_ program: FastPathProgram, interfaceIndex: Int32, name: String) throws {
        lock.lock()
        defer { lock.unlock() }
        try attachLocked(program, interfaceIndex: interfaceIndex, name: name)
    }

    private func attachLocked(_ program: FastPathProgram, interfaceIndex: Int32, name: String) throws {
        attachments[interfaceIndex] = try TCAttachment(object: object, program: program, interfaceIndex: interfaceIndex,
                                                       handle: TCAttachment.relayHandle, priority: TCAttachment.relayPriority)
        interfaceNames[interfaceIndex] = name
        log("moq-relay: attached \(program.rawValue) to \(name) (TC ingress)")
    }

    // MARK: lifecycle

    /// Detaches every program, removes the pins and unloads the object. Idempotent.
    public func shutdown() {
        lock.lock()
        defer { lock.unlock() }
        guard !isShutDown else { return }
        isShutDown = true
        plane?.stop()
        for (index, attachment) in attachments {
            do { try attachment.detach() } catch { log("moq-relay: detaching from \(interfaceNames[index] ?? "\(index)") failed: \(error)") }
        }
        attachments.removeAll()
        FastPathPins.unpin()
        object.close()
        log("moq-relay: eBPF fast path detached")
    }

    // MARK: stats

    /// The kernel's decision counters (nil after shutdown or on a read failure).
    public func counters() -> FastPathCounters? {
        lock.lock()
        defer { lock.unlock() }
        guard !isShutDown else { return nil }
        return try? object.counters()
    }
}
