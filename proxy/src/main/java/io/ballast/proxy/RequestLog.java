package io.ballast.proxy;

import io.ballast.core.Backend;
import io.ballast.core.retry.RetryDecision;
import io.ballast.proxy.tls.ClientTls;
import java.util.List;

/**
 * What happened to one client request, reported once when it ends (answered, failed or aborted).
 *
 * @param startEpochMillis wall-clock time the request head arrived
 * @param clientAddress the client's IP address as seen on the socket (no port)
 * @param method request method
 * @param uri request target as received
 * @param host the Host header, or null
 * @param listener the listener's name
 * @param pool the pool's name, or null when no pool was chosen
 * @param backend the backend that answered (the last one tried), or null when none was reached
 * @param status the status sent to the client; 0 when the client went away before any status
 * @param durationNanos from the request head's arrival to the last response byte written
 * @param bytesIn request body bytes received from the client
 * @param bytesOut response body bytes sent to the client
 * @param requestId the X-Request-Id forwarded to the backend
 * @param attempts attempts made (1 for a request that went through at once; 0 for none); an
 *     attempt refused by a backend's circuit breaker counts
 * @param error a short reason when ballast produced the status itself or the exchange broke, or null
 * @param backendsTried every backend tried, in order, when there was more than one attempt;
 *     null otherwise (the one backend is {@code backend})
 * @param retry the last retry decision taken for the request (for example {@code retry_status} or
 *     {@code no_retry_budget_exhausted}), or null when no attempt failed
 * @param route the route that took the request, or null when none did
 * @param group the split group the request went to, or null when the route does not split
 * @param clientZone the client's "region/zone" when a zone-aware pool took the request and the
 *     client's zone is known (trusted header or network table); null otherwise
 * @param tls what the connection's TLS handshake settled; null on a plain connection
 * @param protocol the protocol the client spoke ({@code HTTP/1.1}, {@code HTTP/1.0},
 *     {@code HTTP/2.0}); null when unknown
 * @param grpcStatus the gRPC status the client got, for a gRPC call that got one; -1 otherwise
 */
public record RequestLog(
    long startEpochMillis,
    String clientAddress,
    String method,
    String uri,
    String host,
    String listener,
    String pool,
    Backend backend,
    int status,
    long durationNanos,
    long bytesIn,
    long bytesOut,
    String requestId,
    int attempts,
    String error,
    List<Backend> backendsTried,
    RetryDecision retry,
    String route,
    String group,
    String clientZone,
    ClientTls tls,
    String protocol,
    int grpcStatus) {

  /** A request that is no gRPC call. */
  public RequestLog(long startEpochMillis, String clientAddress, String method, String uri,
      String host, String listener, String pool, Backend backend, int status, long durationNanos,
      long bytesIn, long bytesOut, String requestId, int attempts, String error,
      List<Backend> backendsTried, RetryDecision retry, String route, String group,
      String clientZone, ClientTls tls, String protocol) {
    this(startEpochMillis, clientAddress, method, uri, host, listener, pool, backend, status,
        durationNanos, bytesIn, bytesOut, requestId, attempts, error, backendsTried, retry, route,
        group, clientZone, tls, protocol, -1);
  }

  /** A request whose protocol is not told. */
  public RequestLog(long startEpochMillis, String clientAddress, String method, String uri,
      String host, String listener, String pool, Backend backend, int status, long durationNanos,
      long bytesIn, long bytesOut, String requestId, int attempts, String error,
      List<Backend> backendsTried, RetryDecision retry, String route, String group,
      String clientZone, ClientTls tls) {
    this(startEpochMillis, clientAddress, method, uri, host, listener, pool, backend, status,
        durationNanos, bytesIn, bytesOut, requestId, attempts, error, backendsTried, retry, route,
        group, clientZone, tls, null);
  }

  /** A request on a plain connection. */
  public RequestLog(long startEpochMillis, String clientAddress, String method, String uri,
      String host, String listener, String pool, Backend backend, int status, long durationNanos,
      long bytesIn, long bytesOut, String requestId, int attempts, String error,
      List<Backend> backendsTried, RetryDecision retry, String route, String group,
      String clientZone) {
    this(startEpochMillis, clientAddress, method, uri, host, listener, pool, backend, status,
        durationNanos, bytesIn, bytesOut, requestId, attempts, error, backendsTried, retry, route,
        group, clientZone, null, null);
  }

  /** A request whose client's zone is unknown. */
  public RequestLog(long startEpochMillis, String clientAddress, String method, String uri,
      String host, String listener, String pool, Backend backend, int status, long durationNanos,
      long bytesIn, long bytesOut, String requestId, int attempts, String error,
      List<Backend> backendsTried, RetryDecision retry, String route, String group) {
    this(startEpochMillis, clientAddress, method, uri, host, listener, pool, backend, status,
        durationNanos, bytesIn, bytesOut, requestId, attempts, error, backendsTried, retry, route,
        group, null, null, null);
  }

  /** A request of a listener without routes of its own. */
  public RequestLog(long startEpochMillis, String clientAddress, String method, String uri,
      String host, String listener, String pool, Backend backend, int status, long durationNanos,
      long bytesIn, long bytesOut, String requestId, int attempts, String error,
      List<Backend> backendsTried, RetryDecision retry) {
    this(startEpochMillis, clientAddress, method, uri, host, listener, pool, backend, status,
        durationNanos, bytesIn, bytesOut, requestId, attempts, error, backendsTried, retry, null,
        null, null, null, null);
  }

  /** A request that was not retried. */
  public RequestLog(long startEpochMillis, String clientAddress, String method, String uri,
      String host, String listener, String pool, Backend backend, int status, long durationNanos,
      long bytesIn, long bytesOut, String requestId, int attempts, String error) {
    this(startEpochMillis, clientAddress, method, uri, host, listener, pool, backend, status,
        durationNanos, bytesIn, bytesOut, requestId, attempts, error, null, null, null, null, null,
        null, null);
  }
}
