package io.ballast.bench.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

class LoadGeneratorTest {

    @Test
    void keepsItsRateAndCountsAStallAgainstEveryRequestDueDuringIt() throws Exception {
        try (ControllableBackend b = ControllableBackend.start(
                new Scenario.BackendSpec("b1", 64, ServiceTime.fixed(Duration.ofMillis(1)), 0), 1);
             LoadGenerator load = new LoadGenerator()) {
            int rate = 200;
            URI target = URI.create("http://127.0.0.1:" + b.port() + "/");
            // A cold client (class loading, JIT, first connections) is slow for its first second;
            // the runner warms up too.
            load.run(target, rate, Duration.ofSeconds(1), Duration.ofSeconds(5), System.nanoTime());
            long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(50);
            b.startClock(start);
            // The backend stops working for 1 s from t = 1 s: requests queue, none is answered.
            Thread stall = new Thread(() -> {
                long due = start + TimeUnit.SECONDS.toNanos(1);
                while (System.nanoTime() < due) {
                    java.util.concurrent.locks.LockSupport.parkNanos(due - System.nanoTime());
                }
                b.apply(new Action(Duration.ZERO, "b1", Action.Kind.STALL, 1.0));
            });
            stall.start();
            LoadResult r = load.run(target, rate, Duration.ofSeconds(3),
                    Duration.ofSeconds(5), start);
            stall.join();

            // The rate is kept during the stall: 200 requests in every second, all answered.
            assertThat(r.sent()).containsExactly(200, 200, 200);
            assertThat(r.totalFailed()).isZero();
            int[] seen = b.receivedSeries(3);
            assertThat(seen[1]).isBetween(190, 210);

            Histogram h = r.latency();
            // Every request due in the first half of the stall waited at least 500 ms for it: about
            // 100 of them. A closed-loop client would have sent only one per connection and
            // recorded the stall once per connection.
            long waitedHalfASecond = h.getCountBetweenValues(500_000, h.getHighestTrackableValue());
            assertThat(waitedHalfASecond).isGreaterThanOrEqualTo(95);
            assertThat(h.getValueAtPercentile(99.9)).isGreaterThan(900_000);
            assertThat(r.perSecond()[1].getValueAtPercentile(50)).isGreaterThan(300_000);
            // Outside the stall the same requests are far faster (loose bound: the test machine
            // may be busy).
            assertThat(r.perSecond()[2].getValueAtPercentile(50))
                    .isLessThan(r.perSecond()[1].getValueAtPercentile(50) / 2);
        }
    }

    @Test
    void failuresAreCountedByKind() throws Exception {
        try (ControllableBackend b = ControllableBackend.start(
                new Scenario.BackendSpec("b1", 8, ServiceTime.fixed(Duration.ZERO), 1.0), 1);
             LoadGenerator load = new LoadGenerator()) {
            LoadResult r = load.run(URI.create("http://127.0.0.1:" + b.port() + "/"), 100, Duration.ofMillis(500),
                    Duration.ofSeconds(2), System.nanoTime());
            assertThat(r.totalSent()).isEqualTo(50);
            assertThat(r.totalFailed()).isEqualTo(50);
            assertThat(r.non2xx()).isEqualTo(50);

            b.kill();
            r = load.run(URI.create("http://127.0.0.1:" + b.port() + "/"), 100, Duration.ofMillis(200),
                    Duration.ofSeconds(2), System.nanoTime());
            assertThat(r.totalFailed()).isEqualTo(20);
            assertThat(r.ioErrors()).isEqualTo(20);
        }
    }

    @Test
    void anOverloadRunStepsItsRateAndCountsEachClass() throws Exception {
        try (ControllableBackend b = ControllableBackend.start(
                new Scenario.BackendSpec("b1", 64, ServiceTime.fixed(Duration.ZERO), 0), 1);
             LoadGenerator load = new LoadGenerator()) {
            Overload o = new Overload(java.util.List.of(new Overload.Step(Duration.ZERO, 50),
                    new Overload.Step(Duration.ofSeconds(1), 150)), new double[] {1, 1, 2}, "X-Priority");
            LoadResult r = load.run(URI.create("http://127.0.0.1:" + b.port() + "/"), o, Duration.ofSeconds(2),
                    Duration.ofSeconds(5), System.nanoTime(), 7);
            assertThat(r.sent()).containsExactly(50, 150);
            assertThat(r.sentByClass()[0] + r.sentByClass()[1] + r.sentByClass()[2]).isEqualTo(200);
            assertThat(r.okByClass()).isEqualTo(r.sentByClass());
            // Sheddable has half the weight: about 100 of 200, drawn from seed 7.
            assertThat(r.sentByClass()[2]).isBetween(75L, 125L);
            assertThat(r.acceptedPerSecond()[1].getTotalCount()).isEqualTo(150);
        }
    }
}
