import CFastPathABI
import CLibBPF
#if canImport(Glibc)
import Glibc
#endif

/// The loaded fast-path BPF object: its programs and maps.
///
/// Open it with `load(path:configuration:)`; the map sizes come from the configuration. Fill the maps
/// with the typed accessors (`FastPathObject+Maps.swift`), attach the programs with `TCAttachment`,
/// read records with `RingBufferReader`. `close()` (or deinit) unloads everything that is not attached.
public final class FastPathObject {
    private var object: OpaquePointer?
    /// File descriptors of the loaded programs.
    public let programFDs: [FastPathProgram: Int32]
    /// File descriptors of the maps.
    public let mapFDs: [FastPathMap: Int32]
    /// The sizes the maps were created with.
    public let configuration: FastPathConfiguration

    private init(object: OpaquePointer, programFDs: [FastPathProgram: Int32], mapFDs: [FastPathMap: Int32],
                 configuration: FastPathConfiguration) {
        self.object = object
        self.programFDs = programFDs
        self.mapFDs = mapFDs
        self.configuration = configuration
    }

    deinit { close() }

    /// Unloads the object (programs stay alive while attached to an interface).
    public func close() {
        if let object { bpf_object__close(object) }
        object = nil
    }

    /// Opens `path` (a `fastpath.bpf.o`), sizes its maps from `configuration`, and loads it into the
    /// kernel. On a verifier rejection the error's detail holds the verifier log.
    public static func load(path: String, configuration: FastPathConfiguration = FastPathConfiguration()) throws -> FastPathObject {
        try FastPathPrivileges.check()
        LibBPFLog.install()
        _ = LibBPFLog.take()
        guard access(path, R_OK) == 0 else {
            throw FastPathError(.objectNotFound, errno: errno, "cannot read BPF object \(path)")
        }
        guard let object = bpf_object__open_file(path, nil) else {
            let e = errno
            throw FastPathError(.objectNotFound, errno: e, "cannot open BPF object \(path): \(LibBPFLog.take())")
        }
        var ok = false
        defer { if !ok { bpf_object__close(object) } }

        let sizes: [(FastPathMap, UInt32)] = [
            (.localConnectionIDs, configuration.maxLocalConnectionIDs),
            (.upstreams, configuration.maxUpstreams),
            (.tracks, configuration.maxTracks),
            (.streams, configuration.maxStreams),
            (.subscribers, configuration.maxSubscribers),
            (.shared, configuration.maxSubscribers),
            (.subscriberStreams, configuration.maxSubscriberStreams),
            (.learned, configuration.maxSubscribers),
            (.records, configuration.ringBufferBytes),
            (.sentLog, configuration.maxSubscribers * UInt32(FP_LOG_SLOTS)),
            (.upstreamKeys, configuration.maxUpstreams * 2),
            (.subscriberKeys, configuration.maxSubscribers * 2),
        ]
        for (map, size) in sizes {
            guard let handle = bpf_object__find_map_by_name(object, map.rawValue) else {
                throw FastPathError(.abiMismatch, "BPF object \(path) has no map \(map.rawValue)")
            }
            let rc = bpf_map__set_max_entries(handle, size)
            if rc != 0 {
                throw FastPathError(.invalidArgument, errno: -rc, "cannot size map \(map.rawValue) to \(size)")
            }
        }
        let rc = bpf_object__load(object)
        if rc != 0 {
            let log = LibBPFLog.take()
            throw FastPathError(.loadFailed, errno: -rc, "the kernel rejected \(path):\n\(log)")
        }
        var programs: [FastPathProgram: Int32] = [:]
        for program in FastPathProgram.allCases {
            guard let handle = bpf_object__find_program_by_name(object, program.rawValue) else {
                throw FastPathError(.abiMismatch, "BPF object \(path) has no program \(program.rawValue)")
            }
            programs[program] = bpf_program__fd(handle)
        }
        var maps: [FastPathMap: Int32] = [:]
        for map in FastPathMap.allCases {
            guard let handle = bpf_object__find_map_by_name(object, map.rawValue) else {
                throw FastPathError(.abiMismatch, "BPF object \(path) has no map \(map.rawValue)")
            }
            maps[map] = bpf_map__fd(handle)
        }
        ok = true
        return FastPathObject(object: object, programFDs: programs, mapFDs: maps, configuration: configuration)
    }

    /// The file descriptor of `map`.
    public func fd(_ map: FastPathMap) -> Int32 { mapFDs[map] ?? -1 }

    /// The file descriptor of `program`.
    public func fd(_ program: FastPathProgram) -> Int32 { programFDs[program] ?? -1 }
}
