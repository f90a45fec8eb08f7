package io.ballast.sim;

/**
 * How a modelled backend fails the share of requests its error rate picks, after the error
 * latency: each is a failure the proxy meets on real backends, and each takes the same path
 * through the attempt protocol as there.
 */
public enum ErrorKind {
  /** Answers with the error status (a fast 503, a 429 that sheds work). */
  STATUS("status"),
  /** Closes the connection before any response byte: the request was sent, nothing came back. */
  RESET("reset"),
  /** Answers 200, then closes the connection in the middle of the body. */
  TRUNCATED("truncated"),
  /**
   * Never answers: the worker gives up silently after the error latency and the request waits
   * for a timeout (per-try, or the client's).
   */
  HANG("hang");

  private final String configName;

  ErrorKind(String configName) {
    this.configName = configName;
  }

  /** As written in scenario files. */
  public String configName() {
    return configName;
  }

  /** The kind written {@code name} in a scenario file, or null. */
  static ErrorKind byConfigName(String name) {
    for (ErrorKind k : values()) {
      if (k.configName.equals(name)) {
        return k;
      }
    }
    return null;
  }
}
