package io.ballast.core.circuit;

import io.ballast.core.AttemptGate;
import io.ballast.core.Ticker;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * One backend's circuit breaker with Resilience4j's semantics, written lean for the request path.
 *
 * <p><b>States.</b> {@link CircuitState#CLOSED}: every call is permitted and its outcome fills the
 * sliding window (the last N calls, or the calls of the last N seconds). Once the window holds at
 * least {@code minimumCalls}, the circuit opens when the failure rate is at least {@code
 * failureRateThreshold} or the slow-call rate (calls longer than {@code
 * slowCallDurationThreshold}) is at least {@code slowCallRateThreshold}. {@link CircuitState#OPEN}:
 * calls are refused until {@code waitInOpen} has passed (strictly), then the next {@link
 * #tryAcquire} or {@link #tick} moves it to {@link CircuitState#HALF_OPEN}: {@code
 * permittedCallsInHalfOpen} trial calls are let through and recorded in a fresh count window of
 * that size; once {@code min(minimumCalls, permittedCallsInHalfOpen)} of them have completed, the
 * circuit opens again if a threshold is reached, else closes with an empty window.
 *
 * <p>As in Resilience4j, an outcome counts in the state current when it is reported, whatever the
 * state was when its call was permitted; outcomes reported while open only show in {@link
 * #counts}.
 *
 * <p><b>Concurrency limit.</b> With {@code maxConcurrentRequests > 0}, {@link #tryAcquire} also
 * takes one of that many permits and refuses past it (the caller then tries the next backend or
 * answers 503 at once).
 *
 * <p><b>Contract for callers.</b> Every {@code tryAcquire()} that returns {@code true} must be
 * followed by exactly one {@link #onResult} (the call went out and finished) or {@link #release}
 * (it never reached the backend, or was cancelled before an outcome). Both give the concurrency
 * permit back; neither can drive the in-flight count below zero, so a duplicate call cannot create
 * capacity out of nothing.
 *
 * <p><b>Threading.</b> Thread-safe, lock-free. {@link #tryAcquire}, {@link #onResult} and {@link
 * #release} are called by event loops and allocate nothing except when they cause a state change
 * (the listener's {@link CircuitTransition}). A state change is claimed by one compare-and-set on
 * the state word; the winner empties the next state's window, then publishes the state. While it
 * does, calls are permitted if the circuit is closing and refused otherwise, and outcomes are
 * dropped. {@link #tick} is for the control loop. The {@link Listener} runs on the thread that made
 * the change.
 */
public final class CircuitBreaker implements AttemptGate {

  /** Told of every state change, once, on the thread that made it. Must not block. */
  @FunctionalInterface
  public interface Listener {
    Listener NONE = transition -> {};

    void onTransition(CircuitTransition transition);
  }

  // The state word: bits 0-1 the CircuitState ordinal, bit 2 "changing", bits 3+ a generation
  // that makes every compare-and-set on the word refer to one specific state instance.
  private static final int CLOSED = 0;
  private static final int OPEN = 1;
  private static final int HALF_OPEN = 2;
  private static final int STATE_MASK = 3;
  private static final int CHANGING = 4;
  private static final int GENERATION_SHIFT = 3;
  private static final CircuitState[] STATES = CircuitState.values();

  private static final VarHandle WORD;

  static {
    try {
      WORD = MethodHandles.lookup().findVarHandle(CircuitBreaker.class, "word", int.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final CircuitBreakerSettings settings;
  private final Ticker ticker;
  private final Listener listener;
  private final boolean timeWindow;
  private final long slowNanos;
  private final long waitNanos;
  private final Thresholds thresholds;
  private final int halfOpenMinimumCalls;
  private final int maxConcurrent;

  private final SlidingWindow closedWindow;
  private final CountWindow halfOpenWindow;
  private final AtomicInteger halfOpenPermits = new AtomicInteger();
  private final AtomicInteger inFlight = new AtomicInteger();
  private final LongAdder notPermitted = new LongAdder();
  private final LongAdder rejectedByConcurrency = new LongAdder();
  private final LongAdder transitions = new LongAdder();

  @SuppressWarnings("unused") // through WORD
  private volatile int word = CLOSED;
  /** Ticker reading after which an open circuit may go half-open; written before OPEN is. */
  private volatile long retryAtNanos;
  /** The window that opened the circuit; late outcomes land there while open. */
  private volatile SlidingWindow openedBy;

  public CircuitBreaker(CircuitBreakerSettings settings, Ticker ticker, Listener listener) {
    this.settings = Objects.requireNonNull(settings, "settings");
    this.ticker = Objects.requireNonNull(ticker, "ticker");
    this.listener = Objects.requireNonNull(listener, "listener");
    this.timeWindow = settings.windowType() == WindowType.TIME;
    this.slowNanos = settings.slowCallDurationThreshold().toNanos();
    this.waitNanos = settings.waitInOpen().toNanos();
    this.thresholds = new Thresholds(settings);
    this.halfOpenMinimumCalls =
        Math.min(settings.minimumCalls(), settings.permittedCallsInHalfOpen());
    this.maxConcurrent = settings.maxConcurrentRequests();
    this.closedWindow =
        timeWindow
            ? new TimeWindow(settings.windowSize(), ticker.nanos())
            : new CountWindow(settings.windowSize());
    this.halfOpenWindow = new CountWindow(settings.permittedCallsInHalfOpen());
    this.openedBy = closedWindow;
  }

  public CircuitBreaker(CircuitBreakerSettings settings, Ticker ticker) {
    this(settings, ticker, Listener.NONE);
  }

  public CircuitBreakerSettings settings() {
    return settings;
  }

  /** The current state (a state being entered counts as entered). */
  public CircuitState state() {
    return STATES[word & STATE_MASK];
  }

  @Override
  public boolean tryAcquire(boolean ignoreState) {
    return ignoreState ? tryAcquireIgnoringState() : tryAcquire();
  }

  /** "circuit open", "circuit half_open" or "circuit closed, concurrency limit reached". */
  @Override
  public String refusal() {
    CircuitState s = state();
    return "circuit " + s.name().toLowerCase(java.util.Locale.ROOT)
        + (s == CircuitState.CLOSED ? ", concurrency limit reached" : "");
  }

  /**
   * Asks to send one call to this backend. Returns {@code false} when the circuit is open (and
   * {@code waitInOpen} has not passed), half-open with every trial permit taken, or the
   * concurrency limit is reached. A {@code true} must be paired with one {@link #onResult} or
   * {@link #release}.
   */
  public boolean tryAcquire() {
    if (maxConcurrent > 0 && !acquireConcurrency()) {
      rejectedByConcurrency.increment();
      return false;
    }
    if (acquireState()) {
      return true;
    }
    if (maxConcurrent > 0) {
      releaseConcurrency();
    }
    notPermitted.increment();
    return false;
  }

  /**
   * Takes only a concurrency permit, whatever the circuit's state: for a pool in panic mode, which
   * sends calls to every backend, open circuit or not, rather than refuse every request (a
   * pool-wide slowdown or outage must not turn into a total one). The outcome still counts in the
   * current state's window. Pair a {@code true} with one {@link #onResult} or {@link #release}, as
   * for {@link #tryAcquire}.
   */
  public boolean tryAcquireIgnoringState() {
    if (maxConcurrent > 0 && !acquireConcurrency()) {
      rejectedByConcurrency.increment();
      return false;
    }
    return true;
  }

  private boolean acquireState() {
    int w = word;
    switch (w & (STATE_MASK | CHANGING)) {
      case CLOSED, CLOSED | CHANGING:
        return true;
      case OPEN:
        if (ticker.nanos() - retryAtNanos <= 0) {
          return false;
        }
        toHalfOpen(w);
        // Whoever made the change, the circuit is now half-open (or changing again).
        return (word & (STATE_MASK | CHANGING)) == HALF_OPEN && takeTrialPermit();
      case HALF_OPEN:
        return takeTrialPermit();
      default: // changing to OPEN or HALF_OPEN
        return false;
    }
  }

  private boolean takeTrialPermit() {
    AtomicInteger permits = halfOpenPermits;
    int p;
    do {
      p = permits.get();
      if (p <= 0) {
        return false;
      }
    } while (!permits.compareAndSet(p, p - 1));
    return true;
  }

  /**
   * Reports the outcome of a permitted call and gives its permit back. With a TIME window this
   * reads the ticker (about 30 ns on a virtual machine); a caller that already has the time the
   * call ended uses {@link #onResult(long, boolean, long)} instead.
   *
   * @param durationNanos how long the call took; longer than {@code slowCallDurationThreshold}
   *     makes it slow
   * @param failure whether it counts as failed (the proxy decides: connect errors, resets, 5xx,
   *     timeouts)
   */
  @Override
  public void onResult(long durationNanos, boolean failure) {
    onResult(durationNanos, failure, timeWindow ? ticker.nanos() : 0L);
  }

  /**
   * As {@link #onResult(long, boolean)}, with the ticker reading at which the call ended, which
   * places it in its one-second bucket of a TIME window (ignored by a COUNT window). The proxy
   * has it already: it read the same ticker to measure {@code durationNanos}.
   */
  public void onResult(long durationNanos, boolean failure, long endNanos) {
    if (maxConcurrent > 0) {
      releaseConcurrency();
    }
    long outcome =
        Tally.CALL | (failure ? Tally.FAILED : 0L) | (durationNanos > slowNanos ? Tally.SLOW : 0L);
    int w = word;
    switch (w & (STATE_MASK | CHANGING)) {
      case CLOSED -> {
        long totals = closedWindow.record(outcome, endNanos);
        int verdict = thresholds.verdict(totals, settings.minimumCalls());
        if (verdict >= Thresholds.FAILURE_RATE_ABOVE) {
          toOpen(w, closedWindow, verdict, totals);
        }
      }
      case HALF_OPEN -> {
        long totals = halfOpenWindow.record(outcome, endNanos);
        int verdict = thresholds.verdict(totals, halfOpenMinimumCalls);
        if (verdict >= Thresholds.FAILURE_RATE_ABOVE) {
          toOpen(w, halfOpenWindow, verdict, totals);
        } else if (verdict == Thresholds.BELOW_THRESHOLDS) {
          toClosed(w, totals);
        }
      }
      case OPEN -> openedBy.record(outcome, endNanos);
      default -> {
        // The window of the state being entered is being emptied: the outcome is dropped.
      }
    }
  }

  /**
   * Gives back the permit of a call that produced no outcome (never sent, or cancelled): the
   * concurrency permit, and in half-open the trial permit, as Resilience4j's {@code
   * releasePermission}.
   */
  @Override
  public void release() {
    if (maxConcurrent > 0) {
      releaseConcurrency();
    }
    if ((word & (STATE_MASK | CHANGING)) == HALF_OPEN) {
      // Capped: a permit taken before the circuit went half-open must not add a trial call.
      int max = settings.permittedCallsInHalfOpen();
      int p;
      do {
        p = halfOpenPermits.get();
        if (p >= max) {
          return;
        }
      } while (!halfOpenPermits.compareAndSet(p, p + 1));
    }
  }

  /**
   * Control loop: moves an open circuit to half-open once {@code waitInOpen} has passed, so that it
   * shows as half-open even when no call asks (Resilience4j's automatic transition). Calls do the
   * same lazily in {@link #tryAcquire}; either alone is enough.
   */
  public void tick() {
    int w = word;
    if ((w & (STATE_MASK | CHANGING)) == OPEN && ticker.nanos() - retryAtNanos > 0) {
      toHalfOpen(w);
    }
  }

  /** A snapshot for metrics and the admin listener. */
  public CircuitCounts counts() {
    int w = word;
    int state = w & STATE_MASK;
    SlidingWindow window =
        switch (state) {
          case CLOSED -> closedWindow;
          case HALF_OPEN -> halfOpenWindow;
          default -> openedBy;
        };
    long totals = window.snapshot(ticker.nanos());
    return new CircuitCounts(
        STATES[state],
        Tally.calls(totals),
        Tally.failed(totals),
        Tally.slow(totals),
        notPermitted.sum(),
        rejectedByConcurrency.sum(),
        inFlight.get(),
        transitions.sum());
  }

  private boolean acquireConcurrency() {
    int n;
    do {
      n = inFlight.get();
      if (n >= maxConcurrent) {
        return false;
      }
    } while (!inFlight.compareAndSet(n, n + 1));
    return true;
  }

  private void releaseConcurrency() {
    int n;
    do {
      n = inFlight.get();
      if (n <= 0) {
        return; // a second release for one permit: ignored, so capacity never grows
      }
    } while (!inFlight.compareAndSet(n, n - 1));
  }

  private void toOpen(int from, SlidingWindow window, int verdict, long totals) {
    int next = claim(from, OPEN);
    if (next < 0) {
      return;
    }
    long now = ticker.nanos();
    openedBy = window;
    retryAtNanos = now + waitNanos;
    publish(from, next, now, thresholds.tripReason(verdict, totals));
  }

  private void toHalfOpen(int from) {
    int next = claim(from, HALF_OPEN);
    if (next < 0) {
      return;
    }
    halfOpenWindow.reset(0L);
    halfOpenPermits.set(settings.permittedCallsInHalfOpen());
    long now = ticker.nanos();
    publish(from, next, now, "waited " + settings.waitInOpen() + " in open; "
        + settings.permittedCallsInHalfOpen() + " trial calls permitted");
  }

  private void toClosed(int from, long totals) {
    int next = claim(from, CLOSED);
    if (next < 0) {
      return;
    }
    long now = ticker.nanos();
    closedWindow.reset(now);
    publish(from, next, now, thresholds.closeReason(totals));
  }

  /** Claims the change from {@code from} to {@code to}; returns the new word, or -1 if lost. */
  private int claim(int from, int to) {
    int next = (((from >>> GENERATION_SHIFT) + 1) << GENERATION_SHIFT) | to;
    return WORD.compareAndSet(this, from, next | CHANGING) ? next : -1;
  }

  private void publish(int from, int next, long now, String reason) {
    word = next;
    transitions.increment();
    try {
      listener.onTransition(new CircuitTransition(
          STATES[from & STATE_MASK], STATES[next & STATE_MASK], reason, now));
    } catch (RuntimeException e) {
      // The state is already changed and consistent; a faulty listener must not break the
      // caller's request path.
    }
  }

  @Override
  public String toString() {
    return "CircuitBreaker[" + state() + ", " + counts() + "]";
  }
}
