package io.ballast.bench.scenario;

/**
 * A balancer started for one run: an external process ({@link BalancerProcess}) or the in-process
 * oracle ({@link OracleProxy}). Owned by the runner's thread, except {@link #applying}, which the
 * runner's timeline thread calls.
 */
public interface RunningBalancer extends AutoCloseable {

    /** Whether it is still running (a crash during a run makes its results void). */
    boolean alive();

    /** Where to look when something went wrong (a log file, or a description). */
    String where();

    /**
     * The runner applies timeline action {@code action} to backend {@code backend} (its index in
     * the scenario) by running {@code apply}. A balancer under test learns of it only by what the
     * backend then does, so the default just runs it; the oracle is told the truth at that moment.
     */
    default void applying(int backend, Action action, Runnable apply) {
        apply.run();
    }

    /** What it has to say about its run for the report (the oracle's own counters); none by default. */
    default java.util.List<String> notes() {
        return java.util.List.of();
    }

    /** Stops it and whatever it started. */
    @Override
    void close();
}
