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
import io.ballast.proxy.client.HashKey;
import io.ballast.proxy.routing.PoolRef;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * A proxy with one TCP listener in front of a pool of members on given ports, recording what
 * its observer hears: each connection's log, each failed connect.
 */
final class TcpFixture implements AutoCloseable {
  final ControlLoop control = new ControlLoop("tcp-test-control", Throwable::printStackTrace);
  final List<Backend> members = new ArrayList<>();
  private final RecordingTcpObserver observer = new RecordingTcpObserver();
  final ConcurrentLinkedQueue<TcpConnectionLog> logs = observer.logs;
  final ConcurrentLinkedQueue<String> connectFailures = observer.connectFailures;
  final LoadBalancer pool;
  final ProxyServer proxy;
  final InetSocketAddress address;
  final PoolRef ref;

  TcpFixture(Algorithm algorithm, RetrySettings retries, Duration idle, int... ports) {
    for (int i = 0; i < ports.length; i++) {
      members.add(new Backend("b" + i, "127.0.0.1", ports[i], 1));
    }
    pool = new LoadBalancer("tcp", members, algorithm, HealthSettings.PASSIVE_ONLY, control,
        Rng.seeded(7), PoolListener.NONE);
    proxy = new ProxyServer(ProxySettings.defaults(), observer, 2);
    ref = new PoolRef(pool, new RetryPolicy(retries, Ticker.SYSTEM),
        algorithm.hashBased() ? HashKey.CLIENT_IP : null, null);
    address = proxy.tcp().add(new TcpListenerSpec("tcp", new InetSocketAddress("127.0.0.1", 0),
        ref, Duration.ofMillis(500), idle, null, null));
  }

  TcpFixture(int... ports) {
    this(Algorithm.ROUND_ROBIN, RetrySettings.DEFAULTS, Duration.ofMinutes(1), ports);
  }

  /** A connection to the listener, reads time out after 5 s. */
  Socket connect() throws IOException {
    return connectFrom(InetAddress.getLoopbackAddress());
  }

  /** A connection to the listener from the local address {@code from} (127.0.0.x). */
  Socket connectFrom(InetAddress from) throws IOException {
    Socket s = new Socket();
    s.bind(new InetSocketAddress(from, 0));
    s.connect(address, 5000);
    s.setSoTimeout(5000);
    return s;
  }

  /** The first line a NAME backend writes: which backend the connection reached. */
  static String firstLine(Socket s) throws IOException {
    StringBuilder b = new StringBuilder();
    int c;
    while ((c = s.getInputStream().read()) >= 0 && c != '\n') {
      b.append((char) c);
    }
    return b.toString();
  }

  static BufferedReader reader(Socket s) throws IOException {
    return new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
  }

  @Override
  public void close() {
    proxy.close();
    control.close();
  }
}
