package io.ballast.bench.scenario;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/**
 * Open-loop HTTP/1.1 load at a constant rate, or at a rate in steps with a mix of request classes
 * ({@link Overload}): request i of a step is due at {@code step start + i/rate}, is sent then
 * whatever happened to earlier ones (a new keep-alive connection is opened when every open one is
 * busy), and its latency is measured from that intended time. A stall therefore counts against
 * every request that should have been sent during it, not only the one that was waiting (no
 * coordinated omission).
 *
 * <p>Threading: {@link #run} blocks its caller, which is the only sending thread; completions are
 * recorded from the HTTP client's threads under the recorder's lock. One run at a time per instance.
 */
public final class LoadGenerator implements AutoCloseable {
    private static final long HIGHEST_MICROS = TimeUnit.MINUTES.toMicros(5);

    private final ExecutorService executor;
    private final HttpClient client;

    public LoadGenerator() {
        // A few threads are plenty to parse small answers at a few thousand per second.
        this.executor = Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "load-completions");
            t.setDaemon(true);
            return t;
        });
        this.client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(2))
                .executor(executor)
                .build();
    }

    /**
     * Sends {@code rate × duration} requests to {@code target}, starting at {@code startNanos}
     * ({@link System#nanoTime()} scale, may be in the future), and waits for every answer or timeout.
     */
    public LoadResult run(URI target, int rate, Duration duration, Duration timeout, long startNanos)
            throws InterruptedException {
        Overload constant = new Overload(List.of(new Overload.Step(Duration.ZERO, rate)),
                new double[] {0, 1, 0}, "X-Priority");
        return run(target, constant, false, duration, timeout, startNanos, 0);
    }

    /**
     * Sends {@code overload}'s steps for {@code duration}, each request with its class drawn from
     * the mix (seeded by {@code seed}) in the overload's header, and waits for every answer or
     * timeout. The result counts answers by class too.
     */
    public LoadResult run(URI target, Overload overload, Duration duration, Duration timeout, long startNanos,
            long seed) throws InterruptedException {
        return run(target, overload, true, duration, timeout, startNanos, seed);
    }

    private LoadResult run(URI target, Overload overload, boolean classes, Duration duration, Duration timeout,
            long startNanos, long seed) throws InterruptedException {
        int seconds = (int) Math.ceil(duration.toNanos() / 1e9);
        Recorder rec = new Recorder(seconds);
        HttpRequest[] requests = new HttpRequest[Overload.CLASSES.size()];
        for (int c = 0; c < requests.length; c++) {
            HttpRequest.Builder b = HttpRequest.newBuilder(target).timeout(timeout).GET();
            if (classes) {
                b.header(overload.header(), Overload.CLASSES.get(c));
            }
            requests[c] = b.build();
        }
        SplittableRandom mix = new SplittableRandom(seed);
        long end = duration.toNanos();
        long total = 0;
        long maxLag = 0;
        List<Overload.Step> steps = overload.steps();
        for (int st = 0; st < steps.size(); st++) {
            long from = steps.get(st).at().toNanos();
            long to = st + 1 < steps.size() ? Math.min(end, steps.get(st + 1).at().toNanos()) : end;
            if (from >= end) {
                break;
            }
            double interval = 1e9 / steps.get(st).rps();
            long count = (long) Math.floor((to - from) / interval);
            for (long i = 0; i < count; i++) {
                long offset = from + (long) (i * interval);
                long intended = startNanos + offset;
                long now;
                while ((now = System.nanoTime()) < intended) {
                    LockSupport.parkNanos(intended - now);
                }
                if (Thread.interrupted()) {
                    throw new InterruptedException();
                }
                maxLag = Math.max(maxLag, now - intended);
                int second = (int) (offset / 1_000_000_000L);
                int c = classes ? overload.classOf(mix) : 1;
                rec.sent(second);
                total++;
                client.sendAsync(requests[c], HttpResponse.BodyHandlers.discarding())
                        .whenComplete((res, err) -> rec.complete(second, c, intended, res, err));
            }
        }
        // Every request ends by its timeout at the latest; allow a margin for the client's threads.
        rec.awaitAll(total, timeout.plusSeconds(2));
        return rec.result(maxLag / 1000);
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }

    /** Collects completions; its methods are called from the HTTP client's threads. */
    private static final class Recorder {
        private final Histogram latency = new Histogram(HIGHEST_MICROS, 3);
        private final Histogram[] perSecond;
        private final Histogram[] acceptedPerSecond;
        private final long[] okByClass = new long[Overload.CLASSES.size()];
        private final long[] sentByClass = new long[Overload.CLASSES.size()];
        private final int[] sent;
        private final int[] ok;
        private final int[] failed;
        private long non2xx;
        private long timeouts;
        private long ioErrors;
        private final AtomicLong completed = new AtomicLong();

        Recorder(int seconds) {
            perSecond = new Histogram[seconds];
            acceptedPerSecond = new Histogram[seconds];
            for (int i = 0; i < seconds; i++) {
                perSecond[i] = new Histogram(HIGHEST_MICROS, 2);
                acceptedPerSecond[i] = new Histogram(HIGHEST_MICROS, 2);
            }
            sent = new int[seconds];
            ok = new int[seconds];
            failed = new int[seconds];
        }

        synchronized void sent(int second) {
            sent[second]++;
        }

        synchronized void complete(int second, int c, long intended, HttpResponse<?> res, Throwable err) {
            long micros = Math.min(HIGHEST_MICROS, Math.max(0, (System.nanoTime() - intended) / 1000));
            latency.recordValue(micros);
            perSecond[second].recordValue(micros);
            sentByClass[c]++;
            if (err == null && res.statusCode() / 100 == 2) {
                ok[second]++;
                okByClass[c]++;
                acceptedPerSecond[second].recordValue(micros);
            } else {
                failed[second]++;
                Throwable cause = err instanceof java.util.concurrent.CompletionException && err.getCause() != null
                        ? err.getCause() : err;
                if (err == null) {
                    non2xx++;
                } else if (cause instanceof HttpTimeoutException) {
                    timeouts++;
                } else {
                    // Connect refused, connection reset or closed before the answer.
                    ioErrors++;
                }
            }
            completed.incrementAndGet();
            notifyAll();
        }

        synchronized void awaitAll(long total, Duration limit) throws InterruptedException {
            long deadline = System.nanoTime() + limit.toNanos();
            while (completed.get() < total) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return;
                }
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
        }

        synchronized LoadResult result(long maxLagMicros) {
            // Requests still unanswered after the wait are failures of the run, counted as timeouts.
            int[] failedCopy = failed.clone();
            long missing = 0;
            for (int s = 0; s < sent.length; s++) {
                int gap = sent[s] - ok[s] - failed[s];
                failedCopy[s] += gap;
                missing += gap;
            }
            return new LoadResult(latency.copy(), copyAll(perSecond), sent.clone(), ok.clone(), failedCopy,
                    non2xx, timeouts + missing, ioErrors, maxLagMicros, copyAll(acceptedPerSecond),
                    sentByClass.clone(), okByClass.clone());
        }

        private static Histogram[] copyAll(Histogram[] in) {
            Histogram[] out = new Histogram[in.length];
            for (int i = 0; i < in.length; i++) {
                out[i] = in[i].copy();
            }
            return out;
        }
    }
}
