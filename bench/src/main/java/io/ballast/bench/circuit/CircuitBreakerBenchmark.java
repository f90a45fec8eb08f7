package io.ballast.bench.circuit;

import io.ballast.core.Ticker;
import io.ballast.core.circuit.CircuitBreaker;
import io.ballast.core.circuit.CircuitBreakerSettings;
import io.ballast.core.circuit.WindowType;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.SlidingWindowSynchronizationStrategy;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.SlidingWindowType;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;

/**
 * What a circuit breaker costs per request on the data plane: permit, then report the outcome.
 * Ours is {@code tryAcquire()} + {@code onResult(nanos, failure)}; Resilience4j 2.4.0's is {@code
 * acquirePermission()} + {@code onSuccess}/{@code onError} with the measured duration, as its
 * decorators do. Both are configured alike (the window of {@code window}: the last 100 calls, or
 * 10 one-second buckets; minimum 20 calls; 50% failure threshold; slow above 5 s) and fed the
 * same outcomes: one failure in 16 calls, so the circuit stays closed and the cost measured is
 * the steady state. {@code impl=resilience4j} is its default (locking) window, {@code
 * resilience4j-lock-free} its optional lock-free one; {@code ballast-caller-time} passes the end
 * time of the call, as the proxy can (see {@link #oursWithCallerTime}).
 *
 * <ul>
 *   <li>{@link #acquireAndReport}: one thread;
 *   <li>{@link #acquireAndReportTwoThreads}: two threads on the same breaker, as two event loops
 *       sending to one backend.
 * </ul>
 *
 * <p>JMH state shared by the benchmark threads; both breakers are thread-safe.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class CircuitBreakerBenchmark {
  static final String BALLAST = "ballast";
  static final String BALLAST_CALLER_TIME = "ballast-caller-time";
  static final String RESILIENCE4J = "resilience4j";
  static final String RESILIENCE4J_LOCK_FREE = "resilience4j-lock-free";

  private static final RuntimeException FAILURE = new RuntimeException("backend failed");
  private static final long DURATION_NANOS = 1_000_000L;

  @Param({BALLAST, BALLAST_CALLER_TIME, RESILIENCE4J, RESILIENCE4J_LOCK_FREE})
  public String impl;

  @Param({"COUNT", "TIME"})
  public String window;

  private Breaker breaker;

  /** The two breakers behind one call shape, so the benchmark methods are the same for both. */
  interface Breaker {
    /**
     * Permits one call and reports its outcome; returns whether it was permitted. {@code
     * endNanos} is the ticker time the call ended, for the breakers that take it from the caller.
     */
    boolean call(boolean failure, long endNanos);
  }

  @Setup(Level.Trial)
  public void setUp() {
    WindowType type = WindowType.valueOf(window);
    int size = type == WindowType.COUNT ? 100 : 10;
    CircuitBreakerSettings settings = CircuitBreakerSettings.DEFAULTS.withWindow(type, size, 20);
    breaker = switch (impl) {
      case BALLAST -> ours(new CircuitBreaker(settings, Ticker.SYSTEM));
      case BALLAST_CALLER_TIME -> oursWithCallerTime(new CircuitBreaker(settings, Ticker.SYSTEM));
      case RESILIENCE4J -> theirs(settings, SlidingWindowSynchronizationStrategy.SYNCHRONIZED);
      case RESILIENCE4J_LOCK_FREE ->
          theirs(settings, SlidingWindowSynchronizationStrategy.LOCK_FREE);
      default -> throw new IllegalArgumentException(
          "impl: " + impl + " (expected: " + BALLAST + ", " + BALLAST_CALLER_TIME + ", "
              + RESILIENCE4J + " or "
              + RESILIENCE4J_LOCK_FREE + ")");
    };
  }

  private static Breaker ours(CircuitBreaker cb) {
    return (failure, endNanos) -> {
      if (!cb.tryAcquire()) {
        return false;
      }
      cb.onResult(DURATION_NANOS, failure);
      return true;
    };
  }

  /**
   * The proxy's shape: it reads the ticker at the start and the end of a call anyway, so it hands
   * the end time over and the breaker reads no clock. Here each thread's calls end one duration
   * (1 ms) after the other, from the trial's start, so the window moves one second every 1000
   * calls.
   */
  private static Breaker oursWithCallerTime(CircuitBreaker cb) {
    return (failure, endNanos) -> {
      if (!cb.tryAcquire()) {
        return false;
      }
      cb.onResult(DURATION_NANOS, failure, endNanos);
      return true;
    };
  }

  private static Breaker theirs(
      CircuitBreakerSettings s, SlidingWindowSynchronizationStrategy strategy) {
    io.github.resilience4j.circuitbreaker.CircuitBreaker cb =
        io.github.resilience4j.circuitbreaker.CircuitBreaker.of("bench",
            CircuitBreakerConfig.custom()
                .slidingWindow(s.windowSize(), s.minimumCalls(),
                    s.windowType() == WindowType.COUNT
                        ? SlidingWindowType.COUNT_BASED
                        : SlidingWindowType.TIME_BASED,
                    strategy)
                .failureRateThreshold((float) s.failureRateThreshold())
                .slowCallRateThreshold((float) s.slowCallRateThreshold())
                .slowCallDurationThreshold(s.slowCallDurationThreshold())
                .waitDurationInOpenState(s.waitInOpen())
                .permittedNumberOfCallsInHalfOpenState(s.permittedCallsInHalfOpen())
                .build());
    return (failure, endNanos) -> {
      cb.acquirePermission(); // throws CallNotPermittedException when refused
      if (failure) {
        cb.onError(DURATION_NANOS, TimeUnit.NANOSECONDS, FAILURE);
      } else {
        cb.onSuccess(DURATION_NANOS, TimeUnit.NANOSECONDS);
      }
      return true;
    };
  }

  /** Each thread's own calls: every 16th fails; each ends 1 ms after the previous one. */
  @State(Scope.Thread)
  public static class Calls {
    private final long start = System.nanoTime();
    int n;

    boolean nextFails() {
      return (++n & 15) == 0;
    }

    long endNanos() {
      return start + n * DURATION_NANOS;
    }
  }

  /** For the module's tests: the breaker under measurement. */
  Breaker breaker() {
    return breaker;
  }

  @Benchmark
  public boolean acquireAndReport(Calls calls) {
    return breaker.call(calls.nextFails(), calls.endNanos());
  }

  @Benchmark
  @Threads(2)
  public boolean acquireAndReportTwoThreads(Calls calls) {
    return breaker.call(calls.nextFails(), calls.endNanos());
  }
}
