package io.ballast.core.pick;

import io.ballast.core.Picker;
import io.ballast.core.Rng;
import java.util.concurrent.atomic.AtomicLong;

/** Shared helpers for pickers with a rotating cursor. */
final class Cursor {
  private Cursor() {}

  /** Reuses the cursor of a picker of the same kind, or seeds a new one at a random position. */
  static AtomicLong carryOver(Picker previous, Rng rng) {
    if (previous instanceof CursorPicker p) {
      return p.cursor();
    }
    return new AtomicLong(rng.nextLong() & Long.MAX_VALUE);
  }

  /** {@code value mod n} for a non-negative result even after the cursor wraps. */
  static int index(long value, int n) {
    return (int) Long.remainderUnsigned(value, n);
  }

  /** A picker whose rotating cursor a rebuilt picker of the same kind may continue. */
  interface CursorPicker extends Picker {
    AtomicLong cursor();
  }
}
