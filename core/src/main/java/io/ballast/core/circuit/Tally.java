package io.ballast.core.circuit;

/**
 * Three call counters (calls, failed, slow) packed into one {@code long}, 21 bits each, so that a
 * window can update and read all three with one atomic instruction and hand a consistent snapshot
 * back without allocating.
 *
 * <p>Layout: bits 0-20 calls, 21-41 failed, 42-62 slow. One call is {@link #CALL} plus {@link
 * #FAILED} and/or {@link #SLOW}; replacing call {@code a} by call {@code b} in a ring adds {@code
 * b - a}. While two threads race on one ring slot a field of the running total can dip below zero
 * for an instant (the later writer's subtraction lands first), so {@link #decode} reads each field
 * as a signed 21-bit number and borrows from the next one, exactly undoing the carry of the
 * addition. Worked example: failed going from 0 to -1 with calls = 3 is stored as {@code 3 +
 * (-1 << 21)}; the low field reads +3, the remainder {@code -1 << 21} shifts down to -1.
 *
 * <p>Stateless; thread-safe.
 */
final class Tally {
  static final int BITS = 21;
  static final long CALL = 1L;
  static final long FAILED = 1L << BITS;
  static final long SLOW = 1L << (2 * BITS);
  /** The largest value a clean field holds (fields are non-negative after {@link #decode}). */
  static final int FIELD_MAX = (1 << BITS) - 1;

  private Tally() {}

  /** A clean packed value (every field clamped to [0, FIELD_MAX], failed and slow to calls). */
  static long decode(long raw) {
    long calls = (raw << (64 - BITS)) >> (64 - BITS);
    long rest = (raw - calls) >> BITS;
    long failed = (rest << (64 - BITS)) >> (64 - BITS);
    long slow = (rest - failed) >> BITS;
    return pack(calls, failed, slow);
  }

  /** Packs three counts, clamping each to [0, FIELD_MAX] and failed/slow to at most calls. */
  static long pack(long calls, long failed, long slow) {
    long c = Math.max(0, Math.min(calls, FIELD_MAX));
    long f = Math.max(0, Math.min(failed, c));
    long s = Math.max(0, Math.min(slow, c));
    return c | f << BITS | s << (2 * BITS);
  }

  /**
   * Packs counts that may exceed a field (a long TIME window at a high rate) by scaling all three
   * down by the same factor, which keeps both rates to within one part in a million.
   */
  static long packScaled(long calls, long failed, long slow) {
    if (calls <= FIELD_MAX) {
      return pack(calls, failed, slow);
    }
    double scale = (double) FIELD_MAX / calls;
    return pack(FIELD_MAX, Math.round(failed * scale), Math.round(slow * scale));
  }

  static int calls(long packed) {
    return (int) (packed & FIELD_MAX);
  }

  static int failed(long packed) {
    return (int) ((packed >>> BITS) & FIELD_MAX);
  }

  static int slow(long packed) {
    return (int) ((packed >>> (2 * BITS)) & FIELD_MAX);
  }
}
