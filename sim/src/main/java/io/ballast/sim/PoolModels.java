package io.ballast.sim;

import io.ballast.core.Backend;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The modelled world of one variant, the same for every variant of a scenario: a fresh virtual
 * clock, the arrivals' random stream, the core {@link Backend}s and their {@link SimBackend}
 * models, and the {@link Recorder}. The core pool ({@link SimPool}) and the oracle
 * ({@link OraclePool}) both build theirs here, so that the same seed gives both the same request
 * stream and each backend the same sequence of draws: figures that differ come from the
 * balancing, not from luck.
 *
 * <p>Single-threaded: built and used on the simulation thread.
 */
final class PoolModels {
  final VirtualScheduler scheduler = new VirtualScheduler();
  /** Arrival gaps and thinning draw from it, and from nothing else. */
  final SplittableRandom arrivals;
  /** The core backends, in scenario order. */
  final List<Backend> backends;
  /** The modelled servers, in scenario order. */
  final List<SimBackend> models;
  final Recorder recorder;

  /**
   * Every draw follows from {@code scenario.seed()}: one generator split first for the arrivals,
   * then once per backend in scenario order. {@code weights} replace the backends' configured
   * weights by name.
   */
  PoolModels(Scenario scenario, Map<String, Integer> weights) {
    SplittableRandom draws = new SplittableRandom(scenario.seed() ^ 0x5DEECE66DL);
    this.arrivals = draws.split();
    List<Backend> bs = new ArrayList<>();
    List<SimBackend> ms = new ArrayList<>();
    for (int i = 0; i < scenario.backends().size(); i++) {
      BackendSpec spec = scenario.backends().get(i);
      Backend b = new Backend(spec.name(), "sim", 1 + i,
          weights.getOrDefault(spec.name(), spec.weight()));
      b.load().useTicker(scheduler);
      bs.add(b);
      ms.add(new SimBackend(spec, b, draws.split(), scheduler));
    }
    this.backends = List.copyOf(bs);
    this.models = List.copyOf(ms);
    this.recorder = new Recorder(bs.size(), scenario.warmup().toNanos());
  }
}
