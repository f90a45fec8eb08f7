package io.ballast.proxy;

import io.ballast.core.Backend;

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
 * @param attempts backends tried (1 for a request that went through at once; 0 for none)
 * @param error a short reason when ballast produced the status itself or the exchange broke, or null
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
    String error) {}
