package io.ballast.server.handover;

/** A handover step that failed: what was being done and why, for one log line. */
public final class HandoverException extends Exception {
  private static final long serialVersionUID = 1L;

  public HandoverException(String message) {
    super(message);
  }

  public HandoverException(String message, Throwable cause) {
    super(message, cause);
  }
}
