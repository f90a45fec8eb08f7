package io.ballast.proxy;

import io.ballast.core.LoadBalancer;
import io.ballast.core.retry.RetryPolicy;

/**
 * What every connection of one listener shares: its name and pool, the settings, the observer and
 * the server it belongs to, and the pool's load-report reader (null when the pool reads none).
 *
 * <p>Immutable and thread-safe.
 */
record ListenerContext(
    String name,
    LoadBalancer pool,
    RetryPolicy retry,
    HashKey hashKey,
    ProxySettings settings,
    ProxyObserver observer,
    HeaderRewriter rewriter,
    TrustedProxies trustedProxies,
    ProxyServer server,
    LoadReportReader loadReports) {}
