package io.ballast.proxy;

/**
 * What every connection of one listener shares: its name and routes, the settings, the observer
 * and the server it belongs to.
 *
 * <p>Immutable and thread-safe.
 */
record ListenerContext(
    String name,
    RouteTable routes,
    ProxySettings settings,
    ProxyObserver observer,
    HeaderRewriter rewriter,
    TrustedProxies trustedProxies,
    ProxyServer server) {}
