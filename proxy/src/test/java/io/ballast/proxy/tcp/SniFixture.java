package io.ballast.proxy.tcp;

import io.ballast.core.Backend;
import io.ballast.core.ControlLoop;
import io.ballast.core.Rng;
import io.ballast.core.Ticker;
import io.ballast.core.pick.Algorithm;
import io.ballast.core.pool.HealthSettings;
import io.ballast.core.pool.LoadBalancer;
import io.ballast.core.pool.PoolListener;
import io.ballast.core.retry.RetryPolicy;
import io.ballast.core.retry.RetrySettings;
import io.ballast.proxy.ProxyServer;
import io.ballast.proxy.ProxySettings;
import io.ballast.proxy.client.AccessList;
import io.ballast.proxy.proxyprotocol.ProxyHeaderVersion;
import io.ballast.proxy.proxyprotocol.ProxyProtocolSpec;
import io.ballast.proxy.routing.PoolRef;
import io.ballast.proxy.upstream.BackendProtocol;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * A proxy whose TCP listener reads first (a ClientHello to route by, a PROXY header), in front of
 * pools of one real java.net backend each ({@link TcpBackend#NAME}: it says its name, then echoes
 * what it got, so a client sees where it went and what reached the backend); records each
 * connection's log and each refusal at the gate or after the header.
 */
final class SniFixture implements AutoCloseable {
  final ControlLoop control = new ControlLoop("sni-test-control", Throwable::printStackTrace);
  final Map<String, TcpBackend> backends = new LinkedHashMap<>();
  final Map<String, PoolRef> pools = new LinkedHashMap<>();
  private final RecordingTcpObserver observer = new RecordingTcpObserver();
  final ConcurrentLinkedQueue<TcpConnectionLog> logs = observer.logs;
  final ConcurrentLinkedQueue<String> refused = observer.refused;
  final ConcurrentLinkedQueue<String> connectFailures = observer.connectFailures;
  final ProxyServer proxy;
  InetSocketAddress address;

  /** Pools named {@code names}, one backend each of the same name; {@code v1} sends PROXY v1. */
  SniFixture(String... names) throws IOException {
    for (String name : names) {
      TcpBackend b = new TcpBackend(name, TcpBackend.NAME);
      backends.put(name, b);
      pools.put(name, pool(name, List.of(new Backend(name, "127.0.0.1", b.port(), 1))));
    }
    proxy = new ProxyServer(ProxySettings.defaults(), observer, 2);
  }

  /** A round-robin pool of {@code members}, retried as by default; {@code v1} sends PROXY v1. */
  PoolRef pool(String name, List<Backend> members) {
    LoadBalancer lb = new LoadBalancer(name, members, Algorithm.ROUND_ROBIN,
        HealthSettings.PASSIVE_ONLY, control, Rng.seeded(7), PoolListener.NONE);
    BackendProtocol protocol = name.equals("v1")
        ? new BackendProtocol(BackendProtocol.Version.HTTP1, BackendProtocol.DEFAULT_MAX_STREAMS,
            ProxyHeaderVersion.V1)
        : BackendProtocol.HTTP1;
    return new PoolRef(lb, new RetryPolicy(RetrySettings.DEFAULTS, Ticker.SYSTEM), null, null,
        null, null, null, protocol);
  }

  PoolRef pool(String name) {
    return pools.get(name);
  }

  /** Opens the listener; its address is {@link #address}. */
  void listen(SniSpec sni, ProxyProtocolSpec proxyProtocol, AccessList access) {
    address = proxy.tcp().add(spec(sni, proxyProtocol, access, null));
  }

  TcpListenerSpec spec(SniSpec sni, ProxyProtocolSpec proxyProtocol, AccessList access,
      PoolRef pool) {
    return new TcpListenerSpec("tls", new InetSocketAddress("127.0.0.1", 0), pool,
        Duration.ofMillis(500), Duration.ofMinutes(1), access, null, proxyProtocol, sni);
  }

  /** A connection to the listener, from 127.0.0.1; reads time out after 5 s. */
  Socket connect() throws IOException {
    Socket s = new Socket();
    s.setTcpNoDelay(true);
    s.connect(address, 5000);
    s.setSoTimeout(5000);
    return s;
  }

  /** Connections any backend accepted. */
  int accepted() {
    return backends.values().stream().mapToInt(b -> b.accepted.get()).sum();
  }

  @Override
  public void close() throws IOException {
    proxy.close();
    control.close();
    for (TcpBackend b : backends.values()) {
      b.close();
    }
  }
}
