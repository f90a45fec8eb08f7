package io.ballast.core;

/**
 * The outcome of one {@link Picker#pick(PickContext)}: a backend, or none with the reason.
 *
 * <p>Immutable. Pickers return {@link Backend#picked()} and the {@link NoBackend} constants, so a
 * pick allocates nothing.
 */
public sealed interface PickResult permits PickResult.Picked, PickResult.NoBackend {

  /**
   * A backend was selected.
   *
   * @param backend where the request goes
   * @param probe a backend to test with a copy of the request, sent beside it and answered to
   *     nobody (only when the context allowed it: {@link PickContext#probeAside()}); null for none
   */
  record Picked(Backend backend, Backend probe) implements PickResult {
    public Picked(Backend backend) {
      this(backend, null);
    }

    @Override
    public String toString() {
      return "Picked[" + backend.name() + (probe == null ? "" : ", probe " + probe.name()) + "]";
    }
  }

  /** No backend can take the request. */
  record NoBackend(Reason reason) implements PickResult {
    public static final NoBackend EMPTY_POOL = new NoBackend(Reason.EMPTY_POOL);
    public static final NoBackend NONE_AVAILABLE = new NoBackend(Reason.NONE_AVAILABLE);
    public static final NoBackend ALL_EXCLUDED = new NoBackend(Reason.ALL_EXCLUDED);
    public static final NoBackend PINNED_UNAVAILABLE = new NoBackend(Reason.PINNED_UNAVAILABLE);
  }

  /** Why no backend was selected. */
  enum Reason {
    /** The pool has no backends at all. */
    EMPTY_POOL("pool has no backends"),
    /** Every backend is down, draining or in maintenance. */
    NONE_AVAILABLE("no backend available"),
    /** Every available backend was already tried for this request. */
    ALL_EXCLUDED("every available backend already tried"),
    /**
     * The session's pinned backend cannot take the request and the route's affinity is strict,
     * so the session is not moved (see {@code io.ballast.core.affinity.SessionAffinity}).
     */
    PINNED_UNAVAILABLE("the session's backend is unavailable (strict affinity)");

    private final String text;

    Reason(String text) {
      this.text = text;
    }

    public String text() {
      return text;
    }
  }
}
