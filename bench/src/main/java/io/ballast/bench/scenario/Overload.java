package io.ballast.bench.scenario;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import tools.jackson.databind.JsonNode;

/**
 * An overload scenario's load: the offered rate in steps ({@code rate_steps}, e.g. 50% → 150% →
 * 50% of the backends' capacity) and the mix of request classes, each request carrying its class
 * in {@code priority_header} (critical, default, sheddable) so that a balancer that sheds by class
 * can be judged by what each class lost. Immutable; thread-safe.
 *
 * @param steps   the rate from each step's time on, in time order, the first at 0
 * @param weights relative weights of critical, default and sheddable requests
 * @param header  the request header that carries the class
 */
public record Overload(List<Step> steps, double[] weights, String header) {
    /** The classes, in the order of {@link #weights}. */
    public static final List<String> CLASSES = List.of("critical", "default", "sheddable");

    /** From {@code at} on, {@code rps} requests per second. */
    public record Step(Duration at, int rps) {
        public Step {
            if (rps <= 0) {
                throw new IllegalArgumentException("rate_steps.rps: " + rps + " (expected: > 0)");
            }
        }
    }

    public Overload {
        steps = List.copyOf(steps);
        if (steps.isEmpty() || !steps.get(0).at().isZero()) {
            throw new IllegalArgumentException("rate_steps: the first step must be at 0s");
        }
        for (int i = 1; i < steps.size(); i++) {
            if (steps.get(i).at().compareTo(steps.get(i - 1).at()) <= 0) {
                throw new IllegalArgumentException("rate_steps[" + i + "].at: " + steps.get(i).at()
                        + " (expected: after the step before)");
            }
        }
        weights = weights.clone();
        double sum = 0;
        for (double w : weights) {
            if (!(w >= 0)) {
                throw new IllegalArgumentException("priorities: " + w + " (expected: >= 0)");
            }
            sum += w;
        }
        if (weights.length != CLASSES.size() || !(sum > 0)) {
            throw new IllegalArgumentException("priorities: (expected: some weight on critical, default or sheddable)");
        }
    }

    /** The step in force at {@code at} (from the start of the measured run). */
    public int stepAt(Duration at) {
        int s = 0;
        for (int i = 0; i < steps.size(); i++) {
            if (steps.get(i).at().compareTo(at) <= 0) {
                s = i;
            }
        }
        return s;
    }

    /** The class index (into {@link #CLASSES}) for a uniform draw. */
    int classOf(SplittableRandom random) {
        double sum = 0;
        for (double w : weights) {
            sum += w;
        }
        double u = random.nextDouble() * sum;
        for (int i = 0; i < weights.length; i++) {
            u -= weights[i];
            if (u < 0 && weights[i] > 0) {
                return i;
            }
        }
        return 1;
    }

    /** {@code rate_steps} and {@code priorities}, or null when the file has no rate_steps. */
    static Overload fromTree(JsonNode root) {
        JsonNode s = root.path("rate_steps");
        if (s.isMissingNode()) {
            return null;
        }
        List<Step> steps = new ArrayList<>();
        int i = 0;
        for (JsonNode n : s.values()) {
            steps.add(new Step(Durations.parse("rate_steps[" + i + "].at", n.path("at").asString("")),
                    n.path("rps").asInt(0)));
            i++;
        }
        JsonNode p = root.path("priorities");
        double[] weights = p.isMissingNode() ? new double[] {0, 1, 0} : new double[] {
            p.path("critical").asDouble(0), p.path("default").asDouble(0), p.path("sheddable").asDouble(0)};
        return new Overload(steps, weights, root.path("priority_header").asString("X-Priority"));
    }
}
