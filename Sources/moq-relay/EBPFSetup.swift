import CLIKit
import FastPath
import MoQTNet
import Relay

/// `--ebpf`: starts the kernel fast path before the relay listens, or fails with exit 1 and the reason
/// (missing capability, no BPF object, the verifier's log, an interface that does not exist).
enum EBPFSetup {
    /// Starts the fast path for `moq-relay` (options from `--ebpf-object` and `--ebpf-ifaces`).
    static func start(objectPath: String?, interfaces: String?, log: @escaping (String) -> Void) throws -> RelayFastPath {
        var options = RelayFastPath.Options(objectPath: objectPath)
        if let interfaces {
            let names = interfaces.split(separator: ",").map { String($0).trimmingSpaces() }.filter { !$0.isEmpty }
            guard !names.isEmpty else { throw CLIError.usage("--ebpf-ifaces names no interface") }
            options.interfaces = names
        }
        // Offer cleartext 1-RTT (only peers started with --allow-cleartext accept it) and use the
        // fixed-size encodings the kernel rewrites in place.
        MoQTEndpoint.transportOptions.allowCleartext = true
        MoQTEndpoint.transportOptions.fastPathEncoding = true
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

extension String {
    fileprivate func trimmingSpaces() -> String {
        var s = Substring(self)
        while s.first == " " { s = s.dropFirst() }
        while s.last == " " { s = s.dropLast() }
        return String(s)
    }
}
