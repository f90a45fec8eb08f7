package io.ballast.bench.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class OracleDispatchTest {
    private static final long NOW = 1_000_000_000L;

    private static Scenario.BackendSpec spec(String name, int workers, int millis) {
        return new Scenario.BackendSpec(name, workers, ServiceTime.fixed(Duration.ofMillis(millis)), 0);
    }

    @Test
    void fastestFreeWorkerFirstThenTheSlowerOneOnlyWhenWaitingTakesLonger() {
        // The class comment's example: b1 2 workers at 10 ms, b2 at 50 ms.
        OracleDispatch d = new OracleDispatch(List.of(spec("b2", 2, 50), spec("b1", 2, 10)));
        assertThat(d.choose(0, NOW, b -> false)).isEqualTo(1);
        d.started(1);
        assertThat(d.choose(0, NOW, b -> false)).isEqualTo(1);
        d.started(1);
        // b1 busy: R = 0.2 per ms, C = 2. The request held at place q waits while (q + 3) / 0.2 ms < 50 ms...
        for (int q = 0; q < 7; q++) {
            assertThat(d.choose(q, NOW, b -> false)).as("held at %d", q).isEqualTo(-1);
        }
        // ...until (7 + 1 + 2) / 0.2 = 50 ms is no longer less than 50 ms.
        assertThat(d.choose(7, NOW, b -> false)).isZero();
        d.finished(1);
        assertThat(d.choose(0, NOW, b -> false)).isEqualTo(1);
    }

    @Test
    void equalBackendsShareByUtilizationThenOrder() {
        OracleDispatch d = new OracleDispatch(List.of(spec("b1", 2, 5), spec("b2", 4, 5)));
        assertThat(d.choose(0, NOW, b -> false)).isZero();
        d.started(0);
        // b1 at 1/2, b2 at 0/4.
        assertThat(d.choose(0, NOW, b -> false)).isEqualTo(1);
        d.started(1);
        d.started(1);
        // b1 at 1/2 = b2 at 2/4: scenario order.
        assertThat(d.choose(0, NOW, b -> false)).isZero();
    }

    @Test
    void aRequestThatWouldFailIsNotSentThereAndTheDrawIsSpent() {
        OracleDispatch d = new OracleDispatch(List.of(spec("b1", 1, 5), spec("b2", 1, 20)));
        int[] draws = new int[2];
        assertThat(d.choose(0, NOW, b -> ++draws[b] > 0 && b == 0)).isEqualTo(1);
        assertThat(draws).containsExactly(1, 1);
        // Failing everywhere: it waits.
        assertThat(d.choose(0, NOW, b -> true)).isEqualTo(-1);
    }

    @Test
    void deadAndStalledBackendsGetNothingAndAreNotWaitedFor() {
        OracleDispatch d = new OracleDispatch(List.of(spec("b1", 1, 5), spec("b2", 1, 50)));
        d.told(0, new Action(Duration.ZERO, "b1", Action.Kind.KILL, 0), NOW);
        assertThat(d.alive(0)).isFalse();
        assertThat(d.choose(0, NOW, b -> false)).isEqualTo(1);
        d.told(0, new Action(Duration.ZERO, "b1", Action.Kind.REVIVE, 0), NOW);
        assertThat(d.choose(0, NOW, b -> false)).isZero();
        d.told(0, new Action(Duration.ZERO, "b1", Action.Kind.STALL, 0.5), NOW);
        assertThat(d.stalledUntil(0)).isEqualTo(NOW + 500_000_000L);
        // Stalled: not free, and not a faster backend worth waiting for.
        assertThat(d.choose(5, NOW, b -> false)).isEqualTo(1);
        assertThat(d.choose(0, NOW + 500_000_000L, b -> false)).isZero();
        assertThat(d.anyFree(NOW)).isTrue();
    }

    @Test
    void aSlowedBackendIsRankedByItsTrueServiceTime() {
        OracleDispatch d = new OracleDispatch(List.of(spec("b1", 1, 5), spec("b2", 1, 10)));
        d.told(0, new Action(Duration.ZERO, "b1", Action.Kind.SLOW, 10), NOW);
        assertThat(d.choose(0, NOW, b -> false)).isEqualTo(1);
        d.told(0, new Action(Duration.ZERO, "b1", Action.Kind.NORMAL, 0), NOW);
        assertThat(d.choose(0, NOW, b -> false)).isZero();
    }
}
