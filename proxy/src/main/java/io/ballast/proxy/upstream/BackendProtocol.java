package io.ballast.proxy.upstream;

import io.ballast.proxy.proxyprotocol.ProxyHeaderVersion;

/**
 * Which HTTP a pool speaks to its backends: HTTP/1.1 (a connection per request in flight,
 * pooled between requests), or HTTP/2 (requests multiplexed as streams over few connections),
 * over TLS ({@code h2}, negotiated by ALPN) or in cleartext with prior knowledge ({@code h2c}).
 * Immutable and thread-safe.
 *
 * @param version the protocol
 * @param maxStreamsPerConnection for HTTP/2, how many streams one connection carries at once at
 *     most (the backend's own SETTINGS_MAX_CONCURRENT_STREAMS lowers it); > 0
 * @param proxyHeader the PROXY protocol header each new connection begins with, naming the
 *     client it serves (HTTP/1.1 only: such a connection serves that client alone); null: none
 */
public record BackendProtocol(Version version, int maxStreamsPerConnection,
    ProxyHeaderVersion proxyHeader) {
  /** How many streams an HTTP/2 connection carries at most unless configured. */
  public static final int DEFAULT_MAX_STREAMS = 100;
  /** Plain HTTP/1.1, every pool's protocol unless it says otherwise. */
  public static final BackendProtocol HTTP1 =
      new BackendProtocol(Version.HTTP1, DEFAULT_MAX_STREAMS, null);

  /** The protocols, as the configuration names them. */
  public enum Version {
    HTTP1("http1"),
    H2("h2"),
    H2C("h2c");

    private final String text;

    Version(String text) {
      this.text = text;
    }

    @Override
    public String toString() {
      return text;
    }
  }

  public BackendProtocol {
    java.util.Objects.requireNonNull(version, "version");
    if (maxStreamsPerConnection <= 0) {
      throw new IllegalArgumentException("max_streams_per_connection: " + maxStreamsPerConnection
          + " (expected: > 0)");
    }
    if (proxyHeader != null && version != Version.HTTP1) {
      throw new IllegalArgumentException("proxy_protocol: " + proxyHeader + " with protocol "
          + version + " (expected: protocol http1; an HTTP/2 connection carries many clients'"
          + " streams, a PROXY header names one client)");
    }
  }

  /** Without a PROXY protocol header. */
  public BackendProtocol(Version version, int maxStreamsPerConnection) {
    this(version, maxStreamsPerConnection, null);
  }

  /** HTTP/2 with the default stream limit. */
  public static BackendProtocol of(Version version) {
    return new BackendProtocol(version, DEFAULT_MAX_STREAMS);
  }

  /** True for HTTP/2: requests are streams of shared connections. */
  public boolean multiplexed() {
    return version != Version.HTTP1;
  }

  @Override
  public String toString() {
    return multiplexed() ? version + " (" + maxStreamsPerConnection + " streams per connection)"
        : proxyHeader == null ? version.toString()
        : version + " with PROXY protocol " + proxyHeader;
  }
}
