/// The two TC programs of `bpf/fastpath.bpf.c`.
public enum FastPathProgram: String, CaseIterable, Sendable {
    /// Ingress from the upstream publisher: classify, clone per subscriber, pass the original up.
    case upstreamIngress = "fp_upstream_ingress"
    /// Ingress from subscribers: learn addresses, pass everything up.
    case subscriberIngress = "fp_subscriber_ingress"
}
