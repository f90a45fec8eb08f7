package io.ballast.core.attempt;

/**
 * Told of every attempt as it ends, with its classification. For tests that hold two drivers
 * against each other, and for tracing; {@link #NONE} costs nothing on the request path (no
 * record is built).
 *
 * <p>Called on the thread that drives the attempt (an event loop, the simulator's thread): must
 * be thread-safe and must not block.
 */
@FunctionalInterface
public interface AttemptListener {
  AttemptListener NONE = record -> {};

  void onAttemptEnd(AttemptRecord record);
}
