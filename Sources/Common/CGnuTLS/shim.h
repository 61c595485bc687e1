#ifndef CGNUTLS_SHIM_H
#define CGNUTLS_SHIM_H
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <errno.h>

/* Swift cannot call the gnutls_free macro: free memory GnuTLS allocated. */
static inline void cgnutls_free(void *pointer) {
    gnutls_free(pointer);
}

/* GNUTLS_CURVE_TO_BITS is a function-like macro: the "bits" value that selects P-256 key generation. */
static inline unsigned int cgnutls_p256_bits(void) {
    return GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1);
}

/* QUIC carries TLS handshake bytes itself; the record-layer transport is never used.
   Reads would block and writes are discarded, should GnuTLS ever attempt either. */
static ssize_t cgnutls_quic_pull(gnutls_transport_ptr_t transport, void *data, size_t size) {
    (void)data; (void)size;
    gnutls_transport_set_errno((gnutls_session_t)transport, EAGAIN);
    return -1;
}

static ssize_t cgnutls_quic_push(gnutls_transport_ptr_t transport, const void *data, size_t size) {
    (void)transport; (void)data;
    return (ssize_t)size;
}

static inline void cgnutls_set_quic_transport(gnutls_session_t session) {
    gnutls_transport_set_ptr(session, (gnutls_transport_ptr_t)session);
    gnutls_transport_set_pull_function(session, cgnutls_quic_pull);
    gnutls_transport_set_push_function(session, cgnutls_quic_push);
}
#endif
