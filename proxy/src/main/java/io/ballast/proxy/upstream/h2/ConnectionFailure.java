package io.ballast.proxy.upstream.h2;

/**
 * A user event fired down an HTTP/2 connection's pipeline just before it closes, saying why in
 * words an operator can act on ("backend did not negotiate h2 (ALPN: http/1.1)", "backend
 * speaks HTTP/1.1, not h2c", "TLS handshake with the backend failed: ..."). Whoever waits for
 * the connection (the pool's requests, a health check) reports this instead of a bare close.
 * Immutable.
 */
record ConnectionFailure(String reason) {}
