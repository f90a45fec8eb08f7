package io.ballast.core.pool;

import io.ballast.core.Backend;
import io.ballast.core.PickResult;
import io.ballast.core.Picker;
import io.ballast.core.PoolLoad;
import io.ballast.core.Rng;
import io.ballast.core.Ticker;
import io.ballast.core.pick.PoolSnapshot;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Builds a pool's picker from its members and their state and publishes it for the data plane,
 * with the pool's setup (algorithm, factory, health settings) it is built by. Which members take
 * traffic is the {@link PanicPolicy}'s verdict, their weights are {@link EffectiveWeights}. A
 * picker is built again only when something it is built from changed: the members, the set of
 * available backends, their weights, or (forced) the factory or a member's zone.
 *
 * <p>Threading: {@link #picker()}, {@link #panic()}, {@link #setup()} and
 * {@link #effectiveWeight} are volatile reads, safe from any thread; everything else runs on the
 * pool's control loop.
 */
final class PickerPublisher {
  private static final Picker NONE_AVAILABLE = ctx -> PickResult.NoBackend.NONE_AVAILABLE;
  private static final Picker EMPTY = ctx -> PickResult.NoBackend.EMPTY_POOL;

  private final LoadBalancer pool;
  private final Membership membership;
  private final PoolLoad load;
  private final Rng rng;
  private final Ticker ticker;
  private final Warmup warmup;
  private final PoolListener listener;
  private volatile PoolSetup setup;
  private volatile Picker picker;
  /** What the published picker was built from. */
  private volatile Published published = new Published(Members.NONE, new boolean[0], new int[0]);
  private volatile boolean panic;
  /** Set while many backends change at once: one rebuild at the end. */
  private boolean held;

  /** @param listener told when the pool enters or leaves panic mode */
  PickerPublisher(LoadBalancer pool, PoolSetup setup, Membership membership, PoolLoad load,
      Rng rng, Ticker ticker, Warmup warmup, PoolListener listener) {
    this.pool = pool;
    this.setup = setup;
    this.membership = membership;
    this.load = load;
    this.rng = rng;
    this.ticker = ticker;
    this.warmup = warmup;
    this.listener = listener;
    this.picker = membership.members().list().isEmpty() ? EMPTY : NONE_AVAILABLE;
  }

  Picker picker() {
    return picker;
  }

  boolean panic() {
    return panic;
  }

  PoolSetup setup() {
    return setup;
  }

  /** The setup the next picker is built by; the caller rebuilds (forced) when it is ready. */
  void setSetup(PoolSetup next) {
    setup = next;
  }

  /**
   * The backend's weight in the published picker, 0 while it is out of it; -1 when the picker
   * has no such member.
   */
  int effectiveWeight(Backend backend) {
    Published p = published;
    Integer i = p.members().index().get(backend);
    if (i == null) {
      return -1;
    }
    return p.available()[i] ? p.weights()[i] : 0;
  }

  /** Runs {@code changes}, which may ask for rebuilds, then rebuilds once (forced). */
  void batch(Runnable changes) {
    held = true;
    try {
      changes.run();
    } finally {
      held = false;
    }
    rebuild(true);
  }

  void rebuild() {
    rebuild(false);
  }

  /**
   * Builds and publishes the picker for the current members and their state, unless nothing it
   * is built from changed since the last one ({@code force}: the members or the factory changed,
   * or a member's zone, which no array here shows).
   */
  void rebuild(boolean force) {
    if (held) {
      return;
    }
    Members m = membership.members();
    List<Backend> backends = m.list();
    Map<Backend, BackendStatus> st = membership.statuses();
    List<PanicPolicy.Standing> standings = new ArrayList<>(backends.size());
    for (Backend b : backends) {
      standings.add(st.get(b).standing());
    }
    PoolSetup s = setup;
    PanicPolicy.Verdict v = PanicPolicy.decide(standings, s.health().panicThresholdPercent());
    if (v.panic() != panic) {
      panic = v.panic();
      listener.onPanic(pool, v.panic(), v.reason());
    }
    if (backends.isEmpty()) {
      published = new Published(m, new boolean[0], new int[0]);
      picker = EMPTY;
      return;
    }
    boolean[] available = v.available();
    EffectiveWeights.Result w = weights(backends, st, available, s.health().slowStart());
    int[] weights = w.weights();
    Published p = published;
    if (!force && m == p.members() && Arrays.equals(available, p.available())
        && Arrays.equals(weights, p.weights())) {
      return;
    }
    published = new Published(m, available, weights);
    picker = v.noneAvailable() ? NONE_AVAILABLE : s.factory().build(
        new PoolSnapshot(backends, weights, available, load, w.shares()), picker, rng);
  }

  /**
   * The effective weights of the members now; ends the ramps that are over and has the picker
   * rebuilt at the next step while any ramps.
   */
  private EffectiveWeights.Result weights(List<Backend> backends, Map<Backend, BackendStatus> st,
      boolean[] available, Duration slowStart) {
    List<EffectiveWeights.Input> inputs = new ArrayList<>(backends.size());
    for (int i = 0; i < backends.size(); i++) {
      inputs.add(st.get(backends.get(i)).weighing(backends.get(i).weight(), available[i]));
    }
    EffectiveWeights.Result r = EffectiveWeights.of(inputs, slowStart.toNanos(), ticker.nanos());
    for (int i = 0; i < backends.size(); i++) {
      if (r.rampOver()[i]) {
        st.get(backends.get(i)).rampStartNanos = EffectiveWeights.NOT_RAMPING;
      }
    }
    if (r.ramping()) {
      warmup.nextStep(slowStart);
    }
    return r;
  }

  @Override
  public String toString() {
    return picker.toString();
  }

  /** What the last picker was built from; immutable once published. */
  private record Published(Members members, boolean[] available, int[] weights) {}
}
