package io.ballast.core.pick;

import io.ballast.core.Backend;
import io.ballast.core.PickContext;
import io.ballast.core.PickResult;
import java.util.Arrays;
import java.util.stream.Collectors;

/** Helpers shared by the pickers. */
final class Picks {
  private Picks() {}

  /**
   * The first backend at or after {@code start} (wrapping) that the context does not exclude.
   * Used when the algorithm's own choice was already tried for this request.
   */
  static PickResult firstNotExcluded(Backend[] backends, int start, PickContext context) {
    int n = backends.length;
    for (int i = 0; i < n; i++) {
      int j = start + i;
      Backend b = backends[j < n ? j : j - n];
      if (!context.isExcluded(b)) {
        return b.picked();
      }
    }
    return PickResult.NoBackend.ALL_EXCLUDED;
  }

  static String names(Backend[] backends) {
    return Arrays.stream(backends).map(Backend::name).collect(Collectors.joining(", ", "[", "]"));
  }
}
