package io.ballast.bench.scenario;

import java.time.Duration;
import java.util.Locale;

/**
 * One step of a scenario timeline: at {@code at} after the measured run starts, do {@code kind} to
 * the backend named {@code backend}. Immutable.
 *
 * @param at      offset from the start of the measured run (>= 0)
 * @param backend the backend's name (b1, b2, ...)
 * @param kind    what happens
 * @param value   the factor for SLOW, the share for ERRORS, the period in seconds for FLAP, the
 *                length in seconds for STALL; 0 for the others
 */
public record Action(Duration at, String backend, Kind kind, double value) {

    /** What an action does to a backend. */
    public enum Kind {
        /** Service times are multiplied by {@code value}. */
        SLOW(true),
        /** A share {@code value} of requests is answered 503 at once. */
        ERRORS(true),
        /** The listener and every connection are closed; connects are refused. */
        KILL(true),
        /** Listens again on the same port. */
        REVIVE(false),
        /** /health answers 503; traffic is still served. */
        HEALTH_FAIL(true),
        /** /health answers 200 again. */
        HEALTH_OK(false),
        /** Every {@code value} seconds the backend toggles between healthy and down (/health 503 and every request 503). */
        FLAP(true),
        /** No new request starts for {@code value} seconds; they queue (a pause, like a long GC). */
        STALL(true),
        /** Back to the configured behaviour: no slow-down, no errors, no flapping, healthy. */
        NORMAL(false);

        private final boolean fault;

        Kind(boolean fault) {
            this.fault = fault;
        }

        /** Whether this action starts a fault (as opposed to ending one). */
        public boolean fault() {
            return fault;
        }

        /** Reads a config name: {@code slow}, {@code errors}, {@code kill}, {@code health-fail}, ... */
        public static Kind of(String field, String name) {
            try {
                return valueOf(name.trim().toUpperCase(Locale.ROOT).replace('-', '_'));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(field + ": '" + name
                        + "' (expected: slow, errors, kill, revive, health-fail, health-ok, flap, stall or normal)");
            }
        }
    }

    public Action {
        if (at == null || at.isNegative()) {
            throw new IllegalArgumentException("at: " + at + " (expected: >= 0)");
        }
        switch (kind) {
            case SLOW -> require(value > 0, "factor", value, "> 0");
            case ERRORS -> require(value >= 0 && value <= 1, "rate", value, "0..1");
            case FLAP, STALL -> require(value > 0, kind == Kind.FLAP ? "period" : "length", value, "> 0 seconds");
            default -> { }
        }
    }

    private static void require(boolean ok, String field, double value, String expected) {
        if (!ok) {
            throw new IllegalArgumentException(field + ": " + value + " (expected: " + expected + ")");
        }
    }
}
