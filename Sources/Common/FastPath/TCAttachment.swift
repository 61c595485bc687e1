import CLibBPF
#if canImport(Glibc)
import Glibc
#endif

/// A fast-path program attached to an interface's TC ingress hook (clsact), detached by `detach()`.
///
/// The attachment remembers the network namespace it was made in (interface indexes are per namespace)
/// and detaches there, even when the calling thread has moved to another namespace since.
public final class TCAttachment {
    /// The interface index.
    public let interfaceIndex: Int32
    /// The program attached (changes with `replace(with:of:)`).
    public private(set) var program: FastPathProgram
    private var handle: UInt32
    private var priority: UInt32
    private let createdHook: Bool
    private var attached = true
    private let namespaceFD: Int32

    /// Attaches `program` of `object` to TC ingress of interface `interfaceName`.
    public convenience init(object: FastPathObject, program: FastPathProgram, interfaceName: String) throws {
        let index = if_nametoindex(interfaceName)
        guard index != 0 else {
            throw FastPathError(.interfaceNotFound, errno: errno, "no network interface \(interfaceName)")
        }
        try self.init(object: object, program: program, interfaceIndex: Int32(index))
    }

    /// The filter handle and priority moq-relay uses for its attachments: fixed, so the next start finds
    /// a filter a crashed run left behind (`removeStale(interfaceIndex:)`).
    public static let relayHandle: UInt32 = 0x4d51
    /// See `relayHandle`.
    public static let relayPriority: UInt32 = 0x4d51

    /// Attaches `program` of `object` to TC ingress of interface `interfaceIndex`, with the given
    /// filter handle and priority (0: chosen by the kernel).
    public init(object: FastPathObject, program: FastPathProgram, interfaceIndex: Int32,
                handle requestedHandle: UInt32 = 0, priority requestedPriority: UInt32 = 0) throws {
        try FastPathPrivileges.check()
        self.interfaceIndex = interfaceIndex
        self.program = program
        namespaceFD = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC)
        var hook = Self.hook(interfaceIndex)
        let created = bpf_tc_hook_create(&hook)
        if created != 0 && created != -EEXIST {
            if namespaceFD >= 0 { Glibc.close(namespaceFD) }
            throw FastPathError(.attachFailed, errno: -created, "cannot create the clsact hook on ifindex \(interfaceIndex)")
        }
        createdHook = created == 0
        var opts = Self.options()
        opts.prog_fd = object.fd(program)
        opts.handle = requestedHandle
        opts.priority = requestedPriority
        let rc = bpf_tc_attach(&hook, &opts)
        if rc != 0 {
            if createdHook {
                hook.attach_point = bpf_tc_attach_point(rawValue: BPF_TC_INGRESS.rawValue | BPF_TC_EGRESS.rawValue)
                _ = bpf_tc_hook_destroy(&hook)
            }
            if namespaceFD >= 0 { Glibc.close(namespaceFD) }
            throw FastPathError(.attachFailed, errno: -rc, "cannot attach \(program.rawValue) to ifindex \(interfaceIndex)")
        }
        handle = opts.handle
        priority = opts.priority
    }

    deinit {
        try? detach()
        if namespaceFD >= 0 { Glibc.close(namespaceFD) }
    }

    /// Detaches the program (and removes the clsact qdisc if this attachment created it), in the network
    /// namespace it was attached in.
    public func detach() throws {
        guard attached else { return }
        attached = false
        let here = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC)
        defer { if here >= 0 { Glibc.close(here) } }
        var switched = false
        if namespaceFD >= 0 && here >= 0 && !Self.sameNamespace(here, namespaceFD) {
            guard setns(namespaceFD, Int32(CLONE_NEWNET)) == 0 else {
                throw FastPathError(.attachFailed, errno: errno, "cannot enter the namespace of ifindex \(interfaceIndex) to detach")
            }
            switched = true
        }
        defer { if switched { _ = setns(here, Int32(CLONE_NEWNET)) } }
        var hook = Self.hook(interfaceIndex)
        var opts = Self.options()
        opts.handle = handle
        opts.priority = priority
        let rc = bpf_tc_detach(&hook, &opts)
        if createdHook {
            hook.attach_point = bpf_tc_attach_point(rawValue: BPF_TC_INGRESS.rawValue | BPF_TC_EGRESS.rawValue)
            _ = bpf_tc_hook_destroy(&hook)
        }
        if rc != 0 && rc != -ENOENT && rc != -ENODEV {
            throw FastPathError(.attachFailed, errno: -rc, "cannot detach \(program.rawValue) from ifindex \(interfaceIndex)")
        }
    }

    /// Swaps the attached program for `newProgram` of `object` atomically (same filter handle and
    /// priority, `BPF_TC_F_REPLACE`): no packet sees the hook without a program.
    public func replace(with newProgram: FastPathProgram, of object: FastPathObject) throws {
        guard attached else { throw FastPathError(.attachFailed, "ifindex \(interfaceIndex) is detached") }
        if newProgram == program { return }
        var hook = Self.hook(interfaceIndex)
        var opts = Self.options()
        opts.prog_fd = object.fd(newProgram)
        opts.handle = handle
        opts.priority = priority
        opts.flags = UInt32(BPF_TC_F_REPLACE.rawValue)
        let rc = bpf_tc_attach(&hook, &opts)
        if rc != 0 {
            throw FastPathError(.attachFailed, errno: -rc, "cannot replace \(program.rawValue) by \(newProgram.rawValue) on ifindex \(interfaceIndex)")
        }
        program = newProgram
    }

    /// The ID of the BPF program attached to TC ingress of `interfaceIndex` at `handle`/`priority`, or nil.
    public static func attachedProgramID(interfaceIndex: Int32, handle: UInt32 = relayHandle,
                                         priority: UInt32 = relayPriority) -> UInt32? {
        var hook = Self.hook(interfaceIndex)
        var opts = Self.options()
        opts.handle = handle
        opts.priority = priority
        LibBPFLog.install()  // a missing clsact hook is the normal case: keep libbpf's complaint off stderr
        let rc = bpf_tc_query(&hook, &opts)
        _ = LibBPFLog.take()
        guard rc == 0, opts.prog_id != 0 else { return nil }
        return opts.prog_id
    }

    /// Detaches a fast-path filter a crashed run left on `interfaceIndex` (at the relay's handle and
    /// priority): one whose program is a fast-path program (`fp_` name) that no live process holds.
    /// Returns true when one was removed. A filter still held by a running process is left alone and
    /// reported as `.attachFailed` (two relays cannot share an interface).
    @discardableResult
    public static func removeStale(interfaceIndex: Int32, handle: UInt32 = relayHandle,
                                   priority: UInt32 = relayPriority) throws -> Bool {
        guard let id = attachedProgramID(interfaceIndex: interfaceIndex, handle: handle, priority: priority) else { return false }
        let name = programName(id: id) ?? ""
        guard name.hasPrefix("fp_") else {
            throw FastPathError(.attachFailed, "ifindex \(interfaceIndex) has a foreign TC filter (program \(name.isEmpty ? "#\(id)" : name)) at handle \(handle) priority \(priority)")
        }
        if let holder = FastPathProgramHolders.holder(of: id) ?? FastPathPins.livePinHolder(ofProgram: id) {
            throw FastPathError(.attachFailed, "ifindex \(interfaceIndex) already has the fast path of a running process (pid \(holder))")
        }
        var hook = Self.hook(interfaceIndex)
        var opts = Self.options()
        opts.handle = handle
        opts.priority = priority
        let rc = bpf_tc_detach(&hook, &opts)
        if rc != 0 && rc != -ENOENT {
            throw FastPathError(.attachFailed, errno: -rc, "cannot remove the stale filter from ifindex \(interfaceIndex)")
        }
        return rc == 0
    }

    /// What `removeStaleEverywhere()` found on one interface.
    public enum SweepOutcome: Equatable, Sendable {
        /// A dead run's fast-path filter was removed.
        case removed
        /// The filter belongs to a running process (another relay): left alone.
        case live(String)
        /// It could not be looked at or removed.
        case failed(String)
    }

    /// Removes the fast-path filters (at the relay's handle and priority, `fp_` programs) that dead
    /// runs left on every interface of this network namespace, not only where this run will attach:
    /// an interface whose peer never comes back would keep a dead relay's program otherwise. A filter
    /// whose program a running process holds open or has pinned (`FastPathPins`) is another relay's and
    /// stays. Interfaces with no filter of ours are not listed.
    public static func removeStaleEverywhere() -> [(interface: String, outcome: SweepOutcome)] {
        var result: [(String, SweepOutcome)] = []
        for (name, index) in interfaces() where attachedProgramID(interfaceIndex: index) != nil {
            do {
                if try removeStale(interfaceIndex: index) { result.append((name, .removed)) }
            } catch let error as FastPathError where error.code == .attachFailed && error.detail.contains("running process") {
                result.append((name, .live(error.detail)))
            } catch {
                result.append((name, .failed("\(error)")))
            }
        }
        return result
    }

    /// Every interface of this thread's network namespace: name and index.
    public static func interfaces() -> [(name: String, index: Int32)] {
        guard let list = if_nameindex() else { return [] }
        defer { if_freenameindex(list) }
        var result: [(String, Int32)] = []
        var p = list
        while p.pointee.if_index != 0, let name = p.pointee.if_name {
            result.append((String(cString: name), Int32(p.pointee.if_index)))
            p += 1
        }
        return result
    }

    /// The name of BPF program `id` (at most 15 characters, as the kernel keeps it), or nil.
    public static func programName(id: UInt32) -> String? {
        let fd = bpf_prog_get_fd_by_id(id)
        guard fd >= 0 else { return nil }
        defer { Glibc.close(fd) }
        var info = bpf_prog_info()
        var length = UInt32(MemoryLayout<bpf_prog_info>.size)
        guard bpf_obj_get_info_by_fd(fd, &info, &length) == 0 else { return nil }
        return withUnsafeBytes(of: info.name) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
    }

    static func sameNamespace(_ a: Int32, _ b: Int32) -> Bool {
        var sa = stat()
        var sb = stat()
        guard fstat(a, &sa) == 0, fstat(b, &sb) == 0 else { return false }
        return sa.st_ino == sb.st_ino && sa.st_dev == sb.st_dev
    }

    // libbpf checks `.sz` against the struct's last field and rejects non-zero padding beyond it, so
    // `.sz` is the end of the last field, not MemoryLayout.size.
    static func hook(_ ifindex: Int32) -> bpf_tc_hook {
        var hook = bpf_tc_hook()
        hook.sz = MemoryLayout<bpf_tc_hook>.offset(of: \bpf_tc_hook.parent)! + MemoryLayout<UInt32>.size
        hook.ifindex = ifindex
        hook.attach_point = BPF_TC_INGRESS
        return hook
    }

    static func options() -> bpf_tc_opts {
        var opts = bpf_tc_opts()
        opts.sz = MemoryLayout<bpf_tc_opts>.offset(of: \bpf_tc_opts.priority)! + MemoryLayout<UInt32>.size
        return opts
    }
}
