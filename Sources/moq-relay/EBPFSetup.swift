import CLIKit
import FastPath
import MoQTNet
import Relay

/// `--ebpf`: starts the kernel fast path before the relay listens, or fails with exit 1 and the reason
/// (missing capability, no BPF object, the verifier's log, an interface that does not exist).
enum EBPFSetup {
    /// Starts the fast path for `moq-relay` (options from `--ebpf-object` and `--ebpf-ifaces`).
    static func start(objectPath: String?, interfaces: String?, sentLog: Bool = true, log: @escaping (String) -> Void) throws -> RelayFastPath {
        var options = RelayFastPath.Options(objectPath: objectPath)
        options.sentLog = sentLog
        if let interfaces {
            let names = interfaces.split(separator: ",").map { String($0).trimmingSpaces() }.filter { !$0.isEmpty }
            guard !names.isEmpty else { throw CLIError.usage("--ebpf-ifaces names no interface") }
            options.interfaces = names
        }
        // Offer cleartext 1-RTT (only peers started with --allow-cleartext accept it) and use the
        // fixed-size encodings the kernel rewrites in place.
        MoQTEndpoint.transportOptions.allowCleartext = true
        MoQTEndpoint.transportOptions.fastPathEncoding = true
        // Stale filters of dead runs go from every interface first (`RelayFastPath.start` removes the
        // dead runs' pins, and filters only where it attaches).
        if (try? FastPathPrivileges.check()) != nil { sweepStaleFilters(log: log) }
        do {
            return try RelayFastPath.start(options: options, log: log)
        } catch let error as FastPathError {
            switch error.code {
            case .insufficientPrivileges: throw CLIError.runtime("--ebpf: \(error.detail)")
            case .loadFailed: throw CLIError.runtime("--ebpf: the kernel rejected the BPF programs; verifier log follows\n\(error.description)")
            default: throw CLIError.runtime("--ebpf: \(error.description)")
            }
        }
    }
}

extension EBPFSetup {
    /// Removes the fast-path filters dead relays left on any interface of this network namespace,
    /// logging each; a live relay's filter is left alone (and named).
    static func sweepStaleFilters(log: (String) -> Void) {
        for (interface, outcome) in TCAttachment.removeStaleEverywhere() {
            switch outcome {
            case .removed: log("moq-relay: removed a stale fast-path filter from \(interface)")
            case .live(let detail): log("moq-relay: left the fast-path filter on \(interface) alone: \(detail)")
            case .failed(let detail): log("moq-relay: cannot remove the fast-path filter on \(interface): \(detail)")
            }
        }
    }
}

extension String {
    fileprivate func trimmingSpaces() -> String {
        var s = Substring(self)
        while s.first == " " { s = s.dropFirst() }
        while s.last == " " { s = s.dropLast() }
        return String(s)
    }
}
