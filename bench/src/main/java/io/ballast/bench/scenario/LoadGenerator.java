package io.ballast.bench.scenario;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/**
 * Open-loop, constant-rate HTTP/1.1 load: request i is due at {@code start + i/rate}, is sent then
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
        int seconds = (int) Math.ceil(duration.toNanos() / 1e9);
        Recorder rec = new Recorder(seconds);
        long total = (long) Math.floor(rate * duration.toNanos() / 1e9);
        double interval = 1e9 / rate;
        HttpRequest request = HttpRequest.newBuilder(target).timeout(timeout).GET().build();
        long maxLag = 0;
        for (long i = 0; i < total; i++) {
            long intended = startNanos + (long) (i * interval);
            long now;
            while ((now = System.nanoTime()) < intended) {
                LockSupport.parkNanos(intended - now);
            }
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
            maxLag = Math.max(maxLag, now - intended);
            int second = (int) (i * interval / 1e9);
            rec.sent(second);
            client.sendAsync(request, HttpResponse.BodyHandlers.discarding())
                    .whenComplete((res, err) -> rec.complete(second, intended, res, err));
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
        private final int[] sent;
        private final int[] ok;
        private final int[] failed;
        private long non2xx;
        private long timeouts;
        private long ioErrors;
        private final AtomicLong completed = new AtomicLong();

        Recorder(int seconds) {
            perSecond = new Histogram[seconds];
            for (int i = 0; i < seconds; i++) {
                perSecond[i] = new Histogram(HIGHEST_MICROS, 2);
            }
            sent = new int[seconds];
            ok = new int[seconds];
            failed = new int[seconds];
        }

        synchronized void sent(int second) {
            sent[second]++;
        }

        synchronized void complete(int second, long intended, HttpResponse<?> res, Throwable err) {
            long micros = Math.min(HIGHEST_MICROS, Math.max(0, (System.nanoTime() - intended) / 1000));
            latency.recordValue(micros);
            perSecond[second].recordValue(micros);
            if (err == null && res.statusCode() / 100 == 2) {
                ok[second]++;
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
                    non2xx, timeouts + missing, ioErrors, maxLagMicros);
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
