package io.ballast.proxy.tcp;

import io.ballast.core.Backend;
import io.ballast.proxy.ProxyObserver;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * What the TCP listeners of a test proxy report: each connection's log line, each refused
 * connection's reason, each failed connect ("backend reason"). Thread-safe (event loops report).
 */
final class RecordingTcpObserver implements ProxyObserver {
  final ConcurrentLinkedQueue<TcpConnectionLog> logs = new ConcurrentLinkedQueue<>();
  final ConcurrentLinkedQueue<String> refused = new ConcurrentLinkedQueue<>();
  final ConcurrentLinkedQueue<String> connectFailures = new ConcurrentLinkedQueue<>();

  @Override
  public void onTcpConnectionClosed(TcpConnectionLog log) {
    logs.add(log);
  }

  @Override
  public void onClientConnectionRefused(String listener, String reason) {
    refused.add(reason);
  }

  @Override
  public void onTcpConnectFailed(String listener, String pool, Backend backend, String reason) {
    connectFailures.add(backend.name() + " " + reason);
  }
}
