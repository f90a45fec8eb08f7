package io.ballast.proxy;

import io.ballast.core.LoadBalancer;

/**
 * What every connection of one listener shares: its name and pool, the settings, the observer and
 * the server it belongs to.
 *
 * <p>Immutable and thread-safe.
 */
record ListenerContext(
    String name,
    LoadBalancer pool,
    int maxConnectAttempts,
    HashKey hashKey,
    ProxySettings settings,
    ProxyObserver observer,
    HeaderRewriter rewriter,
    TrustedProxies trustedProxies,
    ProxyServer server) {}
