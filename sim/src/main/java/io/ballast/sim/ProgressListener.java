package io.ballast.sim;

/**
 * Told how far a run is, on the simulation thread, about a hundred times per variant. Must be
 * quick: it runs between events.
 */
@FunctionalInterface
public interface ProgressListener {
  ProgressListener NONE = (variant, variants, name, fraction) -> {};

  /**
   * @param variant index of the variant running (0-based)
   * @param variants how many variants the run has
   * @param name the running variant's name
   * @param fraction of its virtual time done, 0..1
   */
  void onProgress(int variant, int variants, String name, double fraction);
}
