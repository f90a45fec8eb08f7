package io.ballast.proxy.tcp;

import io.ballast.core.Backend;
import java.util.List;
import java.util.Objects;

/**
 * One connection of a TCP listener, told once when it has closed: the access log's line and the
 * metrics' closing count. Immutable.
 *
 * @param startEpochMillis when the client's connection was accepted
 * @param clientAddress the client's address (its IP)
 * @param clientPort the client's port
 * @param listener the listener's name
 * @param pool the pool's name; null when none was chosen (a listener routing by server name
 *     closed the connection before: not TLS, no route, a ClientHello that did not come whole)
 * @param serverName the server name the client's TLS ClientHello asked for, on a listener that
 *     routes by it; null when it asked for none, or none was read
 * @param backend the backend the bytes went to; null when none was reached
 * @param backendsTried every backend a connect was tried on, in order
 * @param bytesFromClient bytes the client sent (relayed to the backend)
 * @param bytesFromBackend bytes the backend sent (relayed to the client)
 * @param connectNanos time from the accept to the backend's connection being up; -1 when none
 *     came up
 * @param durationNanos from the accept to the last close
 * @param end how it ended
 * @param error what went wrong, in a few words, or null for an orderly end
 */
public record TcpConnectionLog(long startEpochMillis, String clientAddress, int clientPort,
    String listener, String pool, String serverName, Backend backend, List<Backend> backendsTried,
    long bytesFromClient, long bytesFromBackend, long connectNanos, long durationNanos,
    TcpEnd end, String error) {
  public TcpConnectionLog {
    Objects.requireNonNull(clientAddress, "clientAddress");
    Objects.requireNonNull(listener, "listener");
    backendsTried = List.copyOf(backendsTried);
    if (pool == null && (backend != null || !backendsTried.isEmpty())) {
      throw new IllegalArgumentException("pool: none with backend " + backend + " and "
          + backendsTried.size() + " tried (expected: a pool whenever a backend was tried)");
    }
    Objects.requireNonNull(end, "end");
    if (bytesFromClient < 0 || bytesFromBackend < 0 || durationNanos < 0) {
      throw new IllegalArgumentException("bytes and duration: " + bytesFromClient + ", "
          + bytesFromBackend + ", " + durationNanos + " (expected: >= 0)");
    }
    if (end.relayed() != (backend != null)) {
      throw new IllegalArgumentException("backend: " + backend + " with end " + end.label()
          + " (expected: a backend exactly when the connection relayed)");
    }
  }
}
