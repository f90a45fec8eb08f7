package io.ballast.proxy.upstream.h2;

/**
 * A promised stream could not be opened because its connection failed; the message is the
 * reason as an operator should read it. Carries no stack trace: it is an outcome, not a bug.
 * Immutable.
 */
final class H2ConnectException extends Exception {
  H2ConnectException(String reason) {
    super(reason, null, false, false);
  }
}
