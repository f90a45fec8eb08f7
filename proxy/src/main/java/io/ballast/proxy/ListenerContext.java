package io.ballast.proxy;

import io.ballast.proxy.client.ClientLocality;
import io.ballast.proxy.client.TrustedProxies;
import io.ballast.proxy.http1.HeaderRewriter;
import io.ballast.proxy.routing.RouteTable;

import java.util.Objects;

/**
 * What every connection of one listener shares: its name and routes, the settings, the observer,
 * how a client's zone is found and the server it belongs to.
 *
 * <p>Thread-safe. Everything is fixed at start except the route table, which a config reload
 * replaces through {@link #replaceRoutes}: a volatile reference, read once per request when the
 * request begins, so a request in flight finishes on the table it started with and the next one
 * sees the new table.
 */
public final class ListenerContext {
  private final String name;
  private volatile RouteTable routes;
  private final ProxySettings settings;
  private final ProxyObserver observer;
  private final HeaderRewriter rewriter;
  private final TrustedProxies trustedProxies;
  private final ProxyServer server;
  private final ClientLocality locality;

  /** A listener whose clients' zones are unknown. */
  ListenerContext(String name, RouteTable routes, ProxySettings settings, ProxyObserver observer,
      HeaderRewriter rewriter, TrustedProxies trustedProxies, ProxyServer server) {
    this(name, routes, settings, observer, rewriter, trustedProxies, server, ClientLocality.NONE);
  }

  ListenerContext(String name, RouteTable routes, ProxySettings settings, ProxyObserver observer,
      HeaderRewriter rewriter, TrustedProxies trustedProxies, ProxyServer server,
      ClientLocality locality) {
    this.locality = Objects.requireNonNull(locality, "locality");
    this.name = Objects.requireNonNull(name, "name");
    this.routes = Objects.requireNonNull(routes, "routes");
    this.settings = settings;
    this.observer = observer;
    this.rewriter = rewriter;
    this.trustedProxies = trustedProxies;
    this.server = server;
  }

  public String name() {
    return name;
  }

  /** The route table now; read it once per request. */
  public RouteTable routes() {
    return routes;
  }

  /** Publishes a new route table; requests that began before keep the one they read. */
  void replaceRoutes(RouteTable next) {
    routes = Objects.requireNonNull(next, "next");
  }

  public ProxySettings settings() {
    return settings;
  }

  public ProxyObserver observer() {
    return observer;
  }

  public HeaderRewriter rewriter() {
    return rewriter;
  }

  public TrustedProxies trustedProxies() {
    return trustedProxies;
  }

  public ProxyServer server() {
    return server;
  }

  /** Told of every attempt as it ends (tests and tracing); usually nobody. */
  public io.ballast.core.attempt.AttemptListener attemptListener() {
    return server.attemptListener();
  }

  /** How the clients' zones are found. */
  public ClientLocality locality() {
    return locality;
  }

  @Override
  public String toString() {
    return "listener " + name + ": " + routes;
  }
}
