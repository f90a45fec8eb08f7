package io.ballast.core.optimizer;

import io.ballast.core.Backend;
import java.util.OptionalDouble;

/** Backends and one interval's stats for the controller's pure pieces. */
final class OptimizerFixtures {
  static final long SECOND = 1_000_000_000L;
  static final long MS = 1_000_000L;

  private OptimizerFixtures() {}

  static Backend backend(String name) {
    return new Backend(name, "127.0.0.1", 9000 + name.hashCode() % 1000, 1);
  }

  /** One second: p50 and p90 as the mean, no request in flight, no agent. */
  static BackendStats stats(Backend b, long requests, long failures, long p99Ms, long meanMs,
      OptionalDouble figure) {
    return new BackendStats(b, SECOND, requests, failures, meanMs * MS, meanMs * MS,
        p99Ms * MS, meanMs * MS, 0, figure, -1);
  }

  /** 100 requests, none failed, p99 {@code p99Ms}, mean {@code meanMs}, with a cpu figure. */
  static BackendStats cpu(Backend b, double cpu, long p99Ms, long meanMs) {
    return stats(b, 100, 0, p99Ms, meanMs, OptionalDouble.of(cpu));
  }

  /** 100 requests, {@code failures} failed, without a figure. */
  static BackendStats traffic(Backend b, long failures, long p99Ms, long meanMs) {
    return stats(b, 100, failures, p99Ms, meanMs, OptionalDouble.empty());
  }

  /** Few requests: too thin to judge by latency. */
  static BackendStats thin(Backend b, long requests, long failures) {
    return new BackendStats(b, SECOND, requests, failures, 10 * MS, 10 * MS, 10 * MS, 10 * MS,
        0, OptionalDouble.empty(), -1);
  }
}
