package io.ballast.core;

/**
 * Selects a backend for one request attempt.
 *
 * <p>Thread-safe and non-blocking: a picker is immutable apart from lock-free cursors, built only
 * by the control loop from a snapshot of the pool, published through a volatile reference and
 * called concurrently by every event loop. A pick takes no lock, allocates nothing beyond what the
 * contract of {@link PickResult} allows (nothing, for the built-in pickers) and is O(1) or O(n)
 * over the available backends.
 */
@FunctionalInterface
public interface Picker {
  PickResult pick(PickContext context);
}
