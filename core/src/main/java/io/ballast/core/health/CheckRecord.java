package io.ballast.core.health;

/**
 * One active health-check result, kept in a backend's recent history for operators.
 *
 * @param atNanos when the result arrived, on the pool's control-loop clock
 * @param passed whether the check passed
 * @param detail what the probe saw ("status 200", "connect refused", "timeout after 1000 ms")
 */
public record CheckRecord(long atNanos, boolean passed, String detail) {}
