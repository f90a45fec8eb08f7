package io.ballast.proxy;

/**
 * What every connection of one listener shares: its name and routes, the settings, the observer,
 * how a client's zone is found and the server it belongs to.
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
    ProxyServer server,
    ClientLocality locality) {

  ListenerContext {
    java.util.Objects.requireNonNull(locality, "locality");
  }

  /** A listener whose clients' zones are unknown. */
  ListenerContext(String name, RouteTable routes, ProxySettings settings, ProxyObserver observer,
      HeaderRewriter rewriter, TrustedProxies trustedProxies, ProxyServer server) {
    this(name, routes, settings, observer, rewriter, trustedProxies, server, ClientLocality.NONE);
  }
}
