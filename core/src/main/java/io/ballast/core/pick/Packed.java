package io.ballast.core.pick;

/**
 * The packing of auto's figures ({@link AutoLoad}, {@link LoadShape}): one {@code long} holds a
 * float value (high 32 bits) and the time of its last update in 65.536 µs ticks (low 32 bits),
 * so that a figure and its age change together with one CAS and a reader allocates nothing.
 * {@link #EMPTY} (float bits 0xFFFFFFFF, a NaN) is never a real value.
 *
 * <p>Worked example: 4.0 ms stored at t = 1 s is {@code pack(4e6, 1_000_000_000)}: value bits of
 * 4e6f, ticks 1e9 >>> 16 = 15258; read back 131 072 ns later, its age is 2 ticks, 131 072 ns.
 *
 * <p>Static helpers only; thread-safe.
 */
final class Packed {
  static final long EMPTY = -1L;
  private static final int TICK_SHIFT = 16;

  private Packed() {}

  static long pack(double value, long now) {
    return ((long) Float.floatToRawIntBits((float) value) << 32)
        | ((now >>> TICK_SHIFT) & 0xFFFFFFFFL);
  }

  static double value(long state) {
    return Float.intBitsToFloat((int) (state >>> 32));
  }

  /**
   * Nanoseconds from the state's update to {@code now}, 0 if another thread stamped it later.
   * The 32-bit ticks wrap after 78 hours: callers take longer gaps from a full-width time.
   */
  static double age(long state, long now) {
    int ticks = (int) (now >>> TICK_SHIFT) - (int) state;
    return ticks <= 0 ? 0.0 : (double) ((long) ticks << TICK_SHIFT);
  }

  /** exp(-x) for x >= 0, cheap for the tiny x of a backend in steady use (see BackendLoad). */
  static double decayWeight(double x) {
    return x < 1e-3 ? 1 - x + 0.5 * x * x : Math.exp(-x);
  }
}
