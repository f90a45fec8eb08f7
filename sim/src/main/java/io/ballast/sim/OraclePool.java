package io.ballast.sim;

import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.DoubleConsumer;

/**
 * The oracle variant of a scenario on its own virtual clock: the same modelled clients and
 * backends as every other variant ({@link PoolModels}, so the same request stream and the same
 * draws), the same {@link ScenarioEvents} and {@link Recorder}, and in place of a core balancer
 * the {@link OracleDispatcher}, which is told the truth and dispatches from one central queue.
 * It is a yardstick, not a product balancer: it lives in the simulator and uses no core picker.
 *
 * <p>Single-threaded: everything runs on the thread that calls {@link #run}.
 */
final class OraclePool {
  private final Scenario scenario;
  private final VariantSpec variant;
  private final PoolModels world;
  private final OracleDispatcher dispatcher;
  private boolean ran;

  OraclePool(Scenario scenario, VariantSpec variant) {
    this.scenario = Objects.requireNonNull(scenario, "scenario");
    this.variant = Objects.requireNonNull(variant, "variant");
    if (!variant.oracle()) {
      throw new IllegalArgumentException("variant: " + variant.name()
          + " runs algorithm " + variant.algorithm() + " (expected: the oracle)");
    }
    this.world = new PoolModels(scenario, variant.weights());
    this.dispatcher = new OracleDispatcher(world.scheduler, world.models, world.recorder,
        scenario.duration().toNanos(), scenario.clients().timeout().toNanos());
  }

  /** The modelled servers, in scenario order. */
  List<SimBackend> models() {
    return world.models;
  }

  /** Told of the backend each request is sent to, just before it starts there. */
  void onDispatch(Consumer<SimBackend> listener) {
    dispatcher.onDispatch(Objects.requireNonNull(listener, "listener"));
  }

  /** Requests that arrived so far. */
  long arrived() {
    return dispatcher.arrived();
  }

  /** Runs the scenario to the end, as {@link SimPool#run} does. Once only. */
  VariantResult run(DoubleConsumer progress) {
    if (ran) {
      throw new IllegalStateException("oracle " + variant.name() + " already ran");
    }
    ran = true;
    new ScenarioEvents(scenario, world.scheduler, world.arrivals, dispatcher, world.recorder,
        world.models).run(progress);
    return world.recorder.result(variant.name());
  }

  @Override
  public String toString() {
    return "oracle " + variant.name() + " at " + world.scheduler + ": " + world.models;
  }
}
