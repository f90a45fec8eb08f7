package io.ballast.core.signal;

/**
 * A backend's signal (load-report header, agent reply, Prometheus page) is not in the expected
 * format; the message names the offending part ("pair 'cpu=abc': value 'abc' (expected: a
 * decimal >= 0)").
 *
 * <p>Without a stack trace: a backend answering garbage on every response must not make each
 * response pay for one, and the message says all there is to say.
 */
public final class SignalFormatException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  public SignalFormatException(String message) {
    super(message);
  }

  @Override
  public synchronized Throwable fillInStackTrace() {
    return this;
  }
}
