package io.ballast.core;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Data-plane load accounting for one backend.
 *
 * <p>Thread-safe and non-blocking: event loops call {@link #start()} when a request is sent to the
 * backend and {@link #complete(boolean, long)} exactly once when it ends (whatever the outcome);
 * pickers read {@link #inFlight()} and {@link #latencyEwmaNanos()}. The control loop reads the
 * cumulative counters and may set the {@link #useTicker ticker} and the
 * {@link #useEwmaDecay EWMA time constant}.
 *
 * <h2>Peak EWMA of latency</h2>
 * Each completion feeds a peak-sensitive exponentially weighted moving average of the latency, as
 * Finagle's and Linkerd's peak EWMA: a sample above the current value replaces it at once (the
 * "peak", so that a backend turning slow is noticed on its first slow answer); a sample below it
 * is blended in with weight {@code 1 - w}, {@code w = exp(-Δt / τ)} where Δt is the time since the
 * previous sample and τ the {@link #useEwmaDecay time constant}. Readers also apply the decay of
 * the time since the last sample, so an idle backend's value fades instead of freezing.
 *
 * <p>Worked example, τ = 10 s: the value is 100 ms; 5 s later a 20 ms sample arrives:
 * w = exp(-0.5) = 0.6065, value = 100 × 0.6065 + 20 × 0.3935 = 68.5 ms. A 300 ms sample right
 * after that sets the value to 300 ms (peak). Read 10 s later with no new sample, the value is
 * 300 × exp(-1) = 110.4 ms.
 *
 * <p>A failed request must not make a backend look fast (a backend that answers errors in 1 ms
 * would otherwise attract traffic): its sample counts as
 * {@code max(latency, min(max(2 × current, 100 ms), 60 s))}, so every failure at least doubles the
 * value up to one minute, and the first sample of a failing backend is at least 100 ms.
 *
 * <p>The value (float nanoseconds) and the time of the last sample (in 65.536 µs ticks, 32 bits)
 * share one {@code long} updated with a CAS loop, so a reader always sees a value with its own
 * time and nothing is allocated. The 32-bit ticks wrap after 78 hours; a second full-width
 * timestamp, written after each successful CAS, takes over for gaps longer than 39 hours.
 */
public final class BackendLoad {
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicInteger connections = new AtomicInteger();
  private final LongAdder requests = new LongAdder();
  private final LongAdder failures = new LongAdder();
  private final LongAdder latencyNanos = new LongAdder();
  /** Every completion's latency, for the weight controller's per-window percentiles. */
  private final io.ballast.core.LatencyHistogram histogram =
      new io.ballast.core.LatencyHistogram();
  /** Sees every completion after it is counted (auto's history), or null. */
  private volatile LoadObserver observer;

  /** Null unless the pool's picker needs the pool-wide count: a shared counter costs. */
  private volatile PoolLoad pool;


  /** Smallest sample a failed request counts as. */
  static final double FAILURE_FLOOR_NANOS = 100e6;
  /** Largest sample a failure penalty produces (a slower real latency still counts as measured). */
  static final double FAILURE_CEILING_NANOS = 60e9;
  /** Default EWMA time constant. */
  public static final Duration DEFAULT_EWMA_DECAY = Duration.ofSeconds(10);

  private static final long EMPTY = -1L; // float bits 0xFFFFFFFF: a NaN, never a real value
  private static final int TICK_SHIFT = 16;
  /** Gaps at least this long are measured with the full-width timestamp. */
  private static final long LONG_GAP_NANOS = 1L << (TICK_SHIFT + 31);

  private final AtomicLong ewma = new AtomicLong(EMPTY);
  private volatile long lastSampleNanos = Ticker.SYSTEM.nanos();
  private volatile Ticker ticker = Ticker.SYSTEM;
  private volatile double tauNanos = DEFAULT_EWMA_DECAY.toNanos();

  /** Sets the clock of the latency EWMA (a fake one in tests and the simulator). */
  public void useTicker(Ticker ticker) {
    this.ticker = Objects.requireNonNull(ticker, "ticker");
    lastSampleNanos = ticker.nanos();
  }

  /**
   * Sets the EWMA time constant τ. Set by the control loop when it builds a picker that reads the
   * EWMA with a configured decay; {@link #DEFAULT_EWMA_DECAY} otherwise.
   */
  public void useEwmaDecay(Duration decay) {
    Objects.requireNonNull(decay, "decay");
    if (decay.isNegative() || decay.isZero()) {
      throw new IllegalArgumentException("decay: " + decay + " (expected: > 0)");
    }
    tauNanos = decay.toNanos();
  }

  /** The EWMA time constant τ in nanoseconds. */
  public double ewmaDecayNanos() {
    return tauNanos;
  }

  /**
   * Makes this backend's requests count in the pool's load too. Called once by the pool that owns
   * the backend, before any request can reach it.
   */
  public void attach(PoolLoad poolLoad) {
    if (pool != null && pool != poolLoad) {
      throw new IllegalStateException("backend load already belongs to another pool");
    }
    pool = Objects.requireNonNull(poolLoad, "poolLoad");
  }

  /**
   * The observer of every completion, created by {@code create} on the first call and the same
   * one after that: the auto picker's factory asks for its history here on the control loop, and
   * from then on each completion is recorded in it.
   *
   * @throws IllegalStateException when an observer of another type is installed already
   */
  public synchronized <T extends LoadObserver> T observer(Class<T> type,
      java.util.function.Supplier<T> create) {
    LoadObserver o = observer;
    if (o == null) {
      T created = Objects.requireNonNull(create.get(), "created observer");
      observer = created;
      return created;
    }
    if (!type.isInstance(o)) {
      throw new IllegalStateException("load observer already installed: " + o);
    }
    return type.cast(o);
  }

  /** True once {@link #attach} was called. */
  public boolean attached() {
    return pool != null;
  }

  /** The load of the pool this backend counts in, or null when it counts in none. */
  public PoolLoad pool() {
    return pool;
  }

  /**
   * A request was sent (or is about to be sent) to the backend.
   *
   * @return the requests in flight on the backend with this one: pass it back to
   *     {@link #complete(boolean, long, int)} so that auto learns latency by load
   */
  public int start() {
    int joined = inFlight.incrementAndGet();
    PoolLoad p = pool;
    if (p != null) {
      p.started();
    }
    return joined;
  }

  /**
   * The request started with {@link #start()} has ended.
   *
   * @param success false for a transport failure or an answer that counts against the backend
   *     (5xx; the proxy also counts 429)
   * @param nanos time from start to the end of the response
   */
  public void complete(boolean success, long nanos) {
    complete(success, nanos, 0);
  }

  /**
   * As {@link #complete(boolean, long)}, knowing how many requests were in flight on the backend
   * when this one joined (what {@link #start()} returned; 0 when unknown): auto learns from it
   * how the backend's latency grows with its load.
   */
  public void complete(boolean success, long nanos, int joined) {
    inFlight.decrementAndGet();
    PoolLoad p = pool;
    if (p != null) {
      p.ended();
    }
    requests.increment();
    if (!success) {
      failures.increment();
    }
    latencyNanos.add(nanos);
    histogram.record(nanos);
    long now = ticker.nanos();
    observe(success, nanos, now);
    LoadObserver o = observer;
    if (o != null) {
      o.record(success, nanos, now, joined);
    }
  }

  private void observe(boolean success, long nanos, long now) {
    double tau = tauNanos;
    double latency = Math.max(0, nanos);
    for (;;) {
      long state = ewma.get();
      double next;
      if (state == EMPTY) {
        next = success ? latency : Math.max(latency, FAILURE_FLOOR_NANOS);
      } else {
        double current = value(state);
        double sample = success ? latency : Math.max(latency,
            Math.min(Math.max(2 * current, FAILURE_FLOOR_NANOS), FAILURE_CEILING_NANOS));
        if (sample > current) {
          next = sample;
        } else {
          double w = decayWeight(age(state, now) / tau);
          next = current * w + sample * (1 - w);
        }
      }
      if (ewma.compareAndSet(state, pack(next, now))) {
        lastSampleNanos = now;
        return;
      }
    }
  }

  /** True once a request completed on this backend, so that the EWMA holds a measurement. */
  public boolean hasLatencySample() {
    return ewma.get() != EMPTY;
  }

  /**
   * The peak EWMA of latency in nanoseconds, decayed toward zero for the time since the last
   * sample; NaN before the first sample.
   */
  public double latencyEwmaNanos() {
    return latencyEwmaNanos(ticker.nanos());
  }

  /** As {@link #latencyEwmaNanos()} at {@code now} ({@link #nowNanos()}), read once per pick. */
  public double latencyEwmaNanos(long now) {
    long state = ewma.get();
    return state == EMPTY ? Double.NaN : decayed(state, 0.0, now);
  }

  /**
   * The peak EWMA of latency with the idle decay pulling it toward {@code prior} instead of zero:
   * {@code value × w + prior × (1 - w)}, {@code w = exp(-idle / τ)}; {@code prior} itself before
   * the first sample. Pickers pass a neutral estimate (such as the average of the backends they
   * compare) so that a long-idle backend is probed again without being flooded.
   */
  public double latencyEstimateNanos(double prior) {
    return latencyEstimateNanos(prior, ticker.nanos());
  }

  /**
   * As {@link #latencyEstimateNanos(double)} at {@code now}: a picker that compares many
   * backends reads the clock once ({@link #nowNanos()}) instead of once per backend.
   */
  public double latencyEstimateNanos(double prior, long now) {
    long state = ewma.get();
    return state == EMPTY ? prior : decayed(state, prior, now);
  }

  /** The EWMA's clock, for {@link #latencyEstimateNanos(double, long)}. */
  public long nowNanos() {
    return ticker.nanos();
  }

  private double decayed(long state, double prior, long now) {
    double w = decayWeight(age(state, now) / tauNanos);
    return value(state) * w + prior * (1 - w);
  }

  /**
   * exp(-x) for x >= 0. A backend in steady use was sampled a moment ago, so x (idle time over τ)
   * is tiny on nearly every read: there the second-order Taylor series is exact to within x³/6
   * (below 2e-10 for x < 1e-3) and much cheaper than {@link Math#exp}, which pickers that scan
   * every backend would otherwise call once per backend per pick.
   */
  static double decayWeight(double x) {
    return x < 1e-3 ? 1 - x + 0.5 * x * x : Math.exp(-x);
  }

  private static long pack(double value, long now) {
    return ((long) Float.floatToRawIntBits((float) value) << 32) | ((now >>> TICK_SHIFT) & 0xFFFFFFFFL);
  }

  private static double value(long state) {
    return Float.intBitsToFloat((int) (state >>> 32));
  }

  /** Nanoseconds from the state's sample to {@code now}; 0 if another thread stamped it later. */
  private double age(long state, long now) {
    long full = now - lastSampleNanos;
    if (full >= LONG_GAP_NANOS) {
      return full;
    }
    int ticks = (int) (now >>> TICK_SHIFT) - (int) state;
    return ticks <= 0 ? 0.0 : (double) ((long) ticks << TICK_SHIFT);
  }

  /** Requests currently sent to the backend and not yet answered. */
  public int inFlight() {
    return inFlight.get();
  }

  /** The data plane opened a connection to the backend. */
  public void connectionOpened() {
    connections.incrementAndGet();
  }

  /** A connection opened with {@link #connectionOpened()} closed. */
  public void connectionClosed() {
    connections.decrementAndGet();
  }

  /** Open connections to the backend (pooled idle ones included). */
  public int connections() {
    return connections.get();
  }

  public long requests() {
    return requests.sum();
  }

  public long failures() {
    return failures.sum();
  }

  public long latencyNanosTotal() {
    return latencyNanos.sum();
  }

  /** Cumulative latency histogram of every completed request (never reset). */
  public io.ballast.core.LatencyHistogram latencyHistogram() {
    return histogram;
  }

  @Override
  public String toString() {
    return "inFlight=" + inFlight() + " requests=" + requests() + " failures=" + failures()
        + " latencyEwmaMs=" + (float) (latencyEwmaNanos() / 1e6);
  }
}
