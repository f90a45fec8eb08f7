package io.ballast.bench.scenario;

import io.ballast.sim.OracleChoice;
import java.util.List;
import java.util.function.IntPredicate;

/**
 * The real-process oracle's choice of a worker: the simulator's own {@link OracleChoice} (the
 * rules of {@code io.ballast.sim.OracleDispatcher}, docs/simulator.md, "The oracle") on what the
 * runner tells it about each backend: its true worker count (the {@code capacity} the scenario
 * gives the {@link ControllableBackend}), its true mean service time times the current slow-down,
 * whether it is alive, whether it is stalled, and how many of its workers the oracle keeps busy.
 *
 * <ol>
 *   <li>A request goes only to a free worker; the others wait in the oracle's central FIFO queue
 *       ({@link OracleProxy}).
 *   <li>Free workers are taken fastest backend first (true mean service time), then the least
 *       utilized (busy / workers), then in scenario order.
 *   <li>A slower free worker of mean {@code m} is passed over by the request with {@code q}
 *       requests held before it while {@code m > (q + 1 + C) / R}, where the faster backends, all
 *       busy, have {@code C} workers completing {@code R = Σ c_j / m_j} requests per nanosecond:
 *       the expected wait for one of them plus the rate-weighted mean service time there.
 *       Example: b1 has 2 workers at 10 ms, both busy, b2 a free one at 50 ms: R = 0.2 per ms,
 *       C = 2; the head waits (3 / 0.2 = 15 ms < 50 ms), and so do the next six; the eighth held
 *       (q = 7: 10 / 0.2 = 50 ms, not less than 50 ms) takes b2.
 *   <li>A candidate where the request would fail (the backend's own draw, {@code fails}) is
 *       skipped; the draw is spent as that request's fate there.
 * </ol>
 *
 * A stalled backend has no free worker until the stall ends and, as its workers start nothing
 * new, does not count among the faster ones of rule 3.
 *
 * <p>Not thread-safe: confined to the oracle's event loop.
 */
final class OracleDispatch {

    /** What the oracle knows of one backend; changed only by {@link #told} and the start/finish calls. */
    private static final class Truth {
        final int workers;
        final double baseMeanNanos;
        boolean alive = true;
        double slowFactor = 1;
        long stalledUntilNanos = Long.MIN_VALUE;
        int busy;

        Truth(Scenario.BackendSpec spec) {
            this.workers = spec.capacity();
            this.baseMeanNanos = spec.serviceTime().mean().toNanos();
        }

        double meanNanos() {
            return baseMeanNanos * slowFactor;
        }

        boolean stalled(long now) {
            return now < stalledUntilNanos;
        }

        int free(long now) {
            return alive && !stalled(now) ? workers - busy : 0;
        }
    }

    private final Truth[] backends;
    /** Rules 2 to 4, the simulator oracle's own code. */
    private final OracleChoice choice;
    /** What the choice reads: the truth as of {@link #now}. */
    private final OracleChoice.Backends view = new OracleChoice.Backends() {
        @Override
        public int count() {
            return backends.length;
        }

        @Override
        public double meanNanos(int backend) {
            return backends[backend].meanNanos();
        }

        @Override
        public int workers(int backend) {
            return backends[backend].workers;
        }

        @Override
        public int free(int backend) {
            return backends[backend].free(now);
        }

        @Override
        public boolean completing(int backend) {
            return backends[backend].alive && !backends[backend].stalled(now);
        }
    };
    /** The time of the choice being made ({@link System#nanoTime()} scale). */
    private long now;

    OracleDispatch(List<Scenario.BackendSpec> specs) {
        this.backends = specs.stream().map(Truth::new).toArray(Truth[]::new);
        this.choice = new OracleChoice(backends.length);
    }

    /**
     * Takes in a timeline action on {@code backend} at {@code nowNanos}. Only what changes where
     * requests can go matters: kill and revive, slow-down, stall. Errors and flapping are in the
     * backend's own failure draw; health checks do not change what the backend serves.
     */
    void told(int backend, Action action, long nowNanos) {
        Truth t = backends[backend];
        switch (action.kind()) {
            // Its workers come free one by one as the kill resets their connections (finished).
            case KILL -> t.alive = false;
            case REVIVE -> t.alive = true;
            case SLOW -> t.slowFactor = action.value();
            case STALL -> t.stalledUntilNanos = nowNanos + (long) (action.value() * 1e9);
            // The backend's NORMAL does not end a stall either.
            case NORMAL -> t.slowFactor = 1;
            case ERRORS, FLAP, HEALTH_FAIL, HEALTH_OK -> { }
        }
    }

    /** Whether any backend has a free worker at {@code nowNanos}. */
    boolean anyFree(long nowNanos) {
        for (Truth t : backends) {
            if (t.free(nowNanos) > 0) {
                return true;
            }
        }
        return false;
    }

    /**
     * The backend whose free worker the request with {@code ahead} requests held before it takes
     * now, or -1 when it is better off waiting (rules 2 to 4 of the class comment). Does not mark
     * the worker busy: {@link #started} does, once the request is on its way.
     */
    int choose(int ahead, long nowNanos, IntPredicate fails) {
        this.now = nowNanos;
        return choice.choose(view, ahead, fails);
    }

    /** A worker of {@code backend} took a request. */
    void started(int backend) {
        Truth t = backends[backend];
        if (t.busy >= t.workers) {
            throw new IllegalStateException("backend " + backend + ": all " + t.workers + " workers busy");
        }
        t.busy++;
    }

    /** A worker of {@code backend} is free again (answered, or its connection was lost). */
    void finished(int backend) {
        Truth t = backends[backend];
        if (t.busy <= 0) {
            throw new IllegalStateException("backend " + backend + ": no worker busy");
        }
        t.busy--;
    }

    /** Busy workers of {@code backend}, as the oracle counts them. */
    int busy(int backend) {
        return backends[backend].busy;
    }

    /** Whether {@code backend} is alive as far as the oracle was told. */
    boolean alive(int backend) {
        return backends[backend].alive;
    }

    /** When {@code backend}'s stall ends ({@link System#nanoTime()} scale; in the past if none). */
    long stalledUntil(int backend) {
        return backends[backend].stalledUntilNanos;
    }
}
