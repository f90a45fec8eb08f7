package io.ballast.bench.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class FailoverMetricsTest {

    /** Three backends, 100 requests a second each, except what a test changes. */
    private static int[][] even(int seconds) {
        int[][] r = new int[3][seconds];
        for (int[] b : r) {
            java.util.Arrays.fill(b, 100);
        }
        return r;
    }

    @Test
    void stopIsTheFirstSecondAtOrBelowTwoPercentAfterTheFault() {
        int[][] r = even(20);
        // Fault at 5: b3 gets 80, 40, 10 (4.8%), then 3 of 203 (1.5%), then nothing.
        r[2][5] = 80;
        r[2][6] = 40;
        r[2][7] = 10;
        r[2][8] = 3;
        for (int s = 9; s < 20; s++) {
            r[2][s] = 0;
        }
        assertThat(FailoverMetrics.secondsToStop(r, 2, 5, 20)).hasValue(4);
    }

    @Test
    void aShareJustAboveTwoPercentIsNotStopped() {
        int[][] r = even(10);
        for (int s = 3; s < 10; s++) {
            r[2][s] = 5; // 5 of 205 = 2.4%
        }
        assertThat(FailoverMetrics.secondsToStop(r, 2, 3, 10)).isEmpty();
        r[2][7] = 4; // 4 of 204 = 1.96%
        assertThat(FailoverMetrics.secondsToStop(r, 2, 3, 10)).hasValue(5);
    }

    @Test
    void stopIgnoresSecondsBeforeTheFaultAndAfterTheLimit() {
        int[][] r = even(10);
        r[2][1] = 0; // before the fault
        r[2][8] = 0; // after the recovery
        assertThat(FailoverMetrics.secondsToStop(r, 2, 3, 8)).isEmpty();
    }

    @Test
    void secondsWithNoTrafficAtAllAreSkipped() {
        int[][] r = even(10);
        for (int[] b : r) {
            b[4] = 0;
        }
        r[2][5] = 1;
        assertThat(FailoverMetrics.secondsToStop(r, 2, 4, 10)).hasValue(2);
    }

    @Test
    void returnIsTheFirstSecondAtEightyPercentOfFairShare() {
        int[][] r = even(20);
        for (int s = 0; s < 10; s++) {
            r[2][s] = 0;
        }
        // Recovery at 10: b3 climbs 0, 30, 70, 90. Fair is a third; 80% of it is 26.7% of the total.
        r[2][10] = 0;
        r[2][11] = 30;  // 30/230 = 13%
        r[2][12] = 70;  // 70/270 = 25.9%
        r[2][13] = 90;  // 90/290 = 31%
        assertThat(FailoverMetrics.secondsToReturn(r, 2, 10)).hasValue(4);
    }

    @Test
    void aBackendThatNeverComesBackHasNoReturnTime() {
        int[][] r = even(10);
        for (int s = 0; s < 10; s++) {
            r[2][s] = 10;
        }
        assertThat(FailoverMetrics.secondsToReturn(r, 2, 2)).isEmpty();
    }

    @Test
    void shareAndAttemptsOverAWindow() {
        int[][] r = even(4);
        r[2][2] = 0;
        r[2][3] = 0;
        assertThat(FailoverMetrics.share(r, 2, 2, 4)).isZero();
        assertThat(FailoverMetrics.share(r, 2, 0, 2)).isEqualTo(1.0 / 3);
        int[] sent = {300, 300, 200, 200};
        // 200 received in each of seconds 2 and 3 for 200 sent: once each.
        assertThat(FailoverMetrics.attemptsPerRequest(r, sent, 2, 4)).isEqualTo(1.0);
        // Before the fault every request reached one backend once.
        assertThat(FailoverMetrics.attemptsPerRequest(r, sent, 0, 2)).isEqualTo(1.0);
        sent[0] = 150;
        assertThat(FailoverMetrics.attemptsPerRequest(r, sent, 0, 1)).isEqualTo(2.0);
        assertThat(FailoverMetrics.attemptsPerRequest(r, sent, 5, 9)).isNaN();
    }
}
