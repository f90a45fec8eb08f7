package io.ballast.proxy.upstream;

/**
 * A user event on a backend channel, just before it closes: the backend ended the exchange this
 * channel carries, and why. A multiplexed connection tells its streams this way (a reset stream,
 * a GOAWAY that leaves the stream out), so that the relay names the cause and, when the backend
 * says it did not process the request ({@code notProcessed}: REFUSED_STREAM, or a stream above
 * the GOAWAY's last stream id), retries it as never sent. Immutable.
 *
 * @param reason what happened, for the attempt's error ("backend reset the stream
 *     (INTERNAL_ERROR)")
 * @param notProcessed the backend guarantees it did not act on the request
 */
public record BackendReset(String reason, boolean notProcessed) {}
