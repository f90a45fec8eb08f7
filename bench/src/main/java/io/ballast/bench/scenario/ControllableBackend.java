package io.ballast.bench.scenario;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An HTTP/1.1 backend on 127.0.0.1 whose behaviour a scenario controls: a number of worker slots
 * (requests beyond them queue), a service-time distribution, a share of 503 answers, a /health
 * endpoint that can fail or flap on its own, and kill/revive of the listener.
 *
 * <p>Threading: each backend has one event loop of its own; every piece of behaviour state (slots,
 * queue, service-time random source, fault settings) is confined to it, and the public control
 * methods post to it, so they may be called from any thread. The error rate and the flap state are
 * written only there too, but volatile, because {@link #drawFailure} reads them from the oracle's
 * loop; the draws of whether a request fails come from their own stream under a lock, so the
 * oracle can make a request's draw before sending it. The counters are lock-free and readable from
 * any thread.
 */
public final class ControllableBackend implements AutoCloseable {
    /**
     * A request carrying this header had its failure draw made by {@link #drawFailure} before it
     * was sent (only the oracle sends it): the backend does not draw again. The flap state is still
     * checked on arrival, as it is a fact of that moment, not a draw.
     */
    public static final String FATE_DRAWN_HEADER = "x-ballast-fate-drawn";

    private final Scenario.BackendSpec spec;
    private final EventLoopGroup group;
    private final EventLoop loop;
    private final ChannelGroup connections;
    private final ServerBootstrap bootstrap;
    private final int port;
    private final SplittableRandom rng;
    /** Whether each request fails (error_rate): its own stream, guarded by itself. */
    private final SplittableRandom fates;

    private final PerSecondCounter received = new PerSecondCounter();
    private final PerSecondCounter errors = new PerSecondCounter();
    private final AtomicInteger healthChecks = new AtomicInteger();
    private final AtomicInteger peakInFlight = new AtomicInteger();
    private final AtomicInteger peakWaiting = new AtomicInteger();

    // Guarded by this: only kill, revive and close change it, from callers outside the loop.
    private Channel listener;
    // Confined to loop.
    private final ArrayDeque<Runnable> queue = new ArrayDeque<>();
    private int busy;
    private long generation;
    private double slowFactor = 1;
    private volatile double errorRate;
    private boolean healthFailing;
    private volatile boolean flapDown;
    private ScheduledFuture<?> flapTask;
    private long pausedUntilNanos;

    private ControllableBackend(Scenario.BackendSpec spec, long seed) throws InterruptedException {
        this.spec = spec;
        this.rng = new SplittableRandom(seed);
        this.fates = rng.split();
        this.errorRate = spec.errorRate();
        this.group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        this.loop = group.next();
        this.connections = new DefaultChannelGroup(loop);
        this.bootstrap = LoopbackHttpServer.bootstrap(group, connections, Handler::new);
        this.listener = bootstrap.bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
        this.port = ((InetSocketAddress) listener.localAddress()).getPort();
    }

    /** Starts a backend on an ephemeral port of 127.0.0.1. */
    public static ControllableBackend start(Scenario.BackendSpec spec, long seed) throws InterruptedException {
        return new ControllableBackend(spec, seed);
    }

    public String name() {
        return spec.name();
    }

    public int port() {
        return port;
    }

    /** Starts the per-second series at {@code epochNanos} ({@link System#nanoTime()} scale). */
    public void startClock(long epochNanos) {
        received.startClock(epochNanos);
        errors.startClock(epochNanos);
    }

    /** Requests (not health checks) received in each of the first {@code seconds} seconds. */
    public int[] receivedSeries(int seconds) {
        return received.series(seconds);
    }

    /** 503 answers given in each of the first {@code seconds} seconds. */
    public int[] errorSeries(int seconds) {
        return errors.series(seconds);
    }

    /** Requests (not health checks) received since start, warm-up included. */
    public long receivedTotal() {
        return received.total();
    }

    /** Health checks answered since start. */
    public int healthChecks() {
        return healthChecks.get();
    }

    /** The most requests ever worked on at once (never above the capacity). */
    public int peakInFlight() {
        return peakInFlight.get();
    }

    /** The most requests ever waiting in the backend's queue for a free worker slot. */
    public int peakWaiting() {
        return peakWaiting.get();
    }

    /**
     * The backend's own draw of whether a request starting now fails with a 503: it does while
     * flapping down, else with the current error rate, drawn from the same stream the backend
     * draws from for requests without {@link #FATE_DRAWN_HEADER}. The oracle makes this draw
     * before it sends, so it knows which requests would fail (as the simulator's oracle does).
     * Thread-safe.
     */
    public boolean drawFailure() {
        return flapDown || failureDraw();
    }

    private boolean failureDraw() {
        double rate = errorRate;
        if (rate <= 0) {
            return false;
        }
        synchronized (fates) {
            return fates.nextDouble() < rate;
        }
    }

    /** Applies one timeline action and returns once it is in effect. Thread-safe. */
    public void apply(Action action) {
        switch (action.kind()) {
            case KILL -> kill();
            case REVIVE -> revive();
            // Wait until the action is in effect, so that a request sent after apply() returns
            // sees it (a task queued on the loop can otherwise run after I/O already ready).
            default -> {
                if (loop.inEventLoop()) {
                    applyOnLoop(action);
                } else {
                    loop.submit(() -> applyOnLoop(action)).syncUninterruptibly();
                }
            }
        }
    }

    private void applyOnLoop(Action action) {
        switch (action.kind()) {
            case SLOW -> slowFactor = action.value();
            case ERRORS -> errorRate = action.value();
            case HEALTH_FAIL -> healthFailing = true;
            case HEALTH_OK -> healthFailing = false;
            case FLAP -> startFlap((long) (action.value() * 1000));
            case STALL -> {
                pausedUntilNanos = System.nanoTime() + (long) (action.value() * 1e9);
                loop.schedule(this::drain, (long) (action.value() * 1e9), TimeUnit.NANOSECONDS);
            }
            case NORMAL -> {
                slowFactor = 1;
                errorRate = spec.errorRate();
                healthFailing = false;
                stopFlap();
            }
            default -> throw new IllegalStateException("handled by apply: " + action.kind());
        }
    }

    private void startFlap(long periodMillis) {
        stopFlap();
        flapDown = true;
        flapTask = loop.scheduleAtFixedRate(() -> flapDown = !flapDown, periodMillis, periodMillis, TimeUnit.MILLISECONDS);
    }

    private void stopFlap() {
        if (flapTask != null) {
            flapTask.cancel(false);
            flapTask = null;
        }
        flapDown = false;
    }

    /** Closes the listener and every open connection; queued requests are dropped. Blocks until done. */
    public synchronized void kill() {
        if (listener != null) {
            listener.close().syncUninterruptibly();
            listener = null;
        }
        loop.submit(() -> {
            generation++;
            busy = 0;
            queue.clear();
        }).syncUninterruptibly();
        connections.close().syncUninterruptibly();
    }

    /** Listens on the same port again. Blocks until bound. */
    public synchronized void revive() {
        if (listener == null) {
            listener = bootstrap.bind(new InetSocketAddress("127.0.0.1", port)).syncUninterruptibly().channel();
        }
    }

    @Override
    public void close() {
        kill();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private boolean healthy() {
        return !healthFailing && !flapDown;
    }

    private void onRequest(ChannelHandlerContext ctx, FullHttpRequest req) {
        boolean keepAlive = HttpUtil.isKeepAlive(req);
        if (req.uri().startsWith("/health")) {
            healthChecks.incrementAndGet();
            respond(ctx, healthy() ? HttpResponseStatus.OK : HttpResponseStatus.SERVICE_UNAVAILABLE, keepAlive);
            return;
        }
        received.increment();
        if (flapDown || (!req.headers().contains(FATE_DRAWN_HEADER) && failureDraw())) {
            errors.increment();
            respond(ctx, HttpResponseStatus.SERVICE_UNAVAILABLE, keepAlive);
            return;
        }
        long gen = generation;
        Runnable work = () -> {
            long nanos = (long) (spec.serviceTime().sampleNanos(rng) * slowFactor);
            loop.schedule(() -> {
                respond(ctx, HttpResponseStatus.OK, keepAlive);
                if (gen == generation) {
                    busy--;
                    drain();
                }
            }, nanos, TimeUnit.NANOSECONDS);
        };
        queue.add(work);
        drain();
        peakWaiting.accumulateAndGet(queue.size(), Math::max);
    }

    /** Starts queued work while slots are free and the backend is not paused. */
    private void drain() {
        if (System.nanoTime() < pausedUntilNanos) {
            return;
        }
        while (busy < spec.capacity() && !queue.isEmpty()) {
            busy++;
            peakInFlight.accumulateAndGet(busy, Math::max);
            queue.poll().run();
        }
    }

    private void respond(ChannelHandlerContext ctx, HttpResponseStatus status, boolean keepAlive) {
        byte[] body = (status.code() + " " + spec.name() + "\n").getBytes(StandardCharsets.US_ASCII);
        FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(body));
        res.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.TEXT_PLAIN);
        res.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
        res.headers().set("x-backend", spec.name());
        if (!keepAlive) {
            ctx.writeAndFlush(res).addListener(ChannelFutureListener.CLOSE);
        } else {
            ctx.writeAndFlush(res);
        }
    }

    /** One per connection; runs on the backend's loop. */
    private final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
            onRequest(ctx, req);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
