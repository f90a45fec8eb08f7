package io.ballast.sim;

import java.util.Map;

/**
 * Something a variant switches on beside its algorithm, by a key of the scenario's variant
 * ({@code outlier_detection: {...}}): it attaches real core machinery (a detector, breakers, a
 * weight controller) to the variant's {@link SimPool} before traffic starts, ticking on the pool's
 * virtual scheduler.
 *
 * <p>Implementations are stateless and reusable (one instance serves every variant and run);
 * what they build belongs to the pool. {@code attach} runs on the simulation thread; whatever it
 * starts must run on {@link SimPool#scheduler()} and may register a closer with
 * {@link SimPool#onClose(Runnable)}.
 */
public interface VariantFeature {
  /**
   * Checks the settings when the scenario is read, so that a bad one is reported with its place
   * in the file. Throws {@link IllegalArgumentException} with a message naming the field
   * ({@code "interval: -1s (expected: > 0)"}); the reader adds the variant and the line.
   */
  default void validate(Map<String, Object> settings) {}

  /** Builds the feature for {@code pool} from validated settings. */
  void attach(SimPool pool, Map<String, Object> settings);
}
