package io.ballast.bench.scenario;

import java.util.List;
import java.util.OptionalInt;

/**
 * One balancer's run of one scenario: the client's view and what each backend received. Not
 * modified after {@link ScenarioRunner#run} returns it; safe to read from any thread then.
 *
 * @param balancer    ballast, haproxy or nginx
 * @param load        the client's measurements
 * @param received    requests received per backend per second, in {@link Scenario#backends()} order
 * @param errors      503 answers per backend per second
 * @param stop        seconds until the watched backend got ≤ 2% of traffic after the fault
 * @param back        seconds until it carried ≥ 80% of its fair share after recovery
 * @param faultShare  its share of received requests from fault to recovery (or to the end)
 * @param attempts    backend receptions per client request over the whole run
 * @param faultAttempts the same over the fault window
 * @param notes       anything that makes the row suspect (balancer crash, sender lag)
 */
public record RunResult(
        String balancer,
        LoadResult load,
        int[][] received,
        int[][] errors,
        OptionalInt stop,
        OptionalInt back,
        double faultShare,
        double attempts,
        double faultAttempts,
        List<String> notes) {}
