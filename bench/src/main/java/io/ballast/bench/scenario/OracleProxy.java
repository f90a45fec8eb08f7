package io.ballast.bench.scenario;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpUtil;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The oracle of a scenario run: a small HTTP/1.1 reverse proxy on 127.0.0.1 in the runner's own
 * JVM, told the truth about the backends, against which every balancer under test is measured.
 * It is a reference, not a product: no retries, health checks, timeouts of its own or
 * configuration; it never needs them.
 *
 * <p>Requests wait in one central FIFO queue. Each backend has exactly as many keep-alive
 * connections (worker slots) as it has true workers (its scenario {@code capacity}), each carrying
 * at most one request, so a request is sent only to a free worker and never waits in a backend's
 * queue. Which free worker: {@link OracleDispatch} (the simulator oracle's rules). The runner tells
 * it each timeline action as it applies it ({@link #applying}): a fault before the backend shows
 * it, a recovery after, so it never sends to a dead or stalled backend. Before sending, it makes
 * the backend's own failure draw ({@link ControllableBackend#drawFailure}) and does not send a
 * request where it would fail. A request the backend loses (a kill resets its connection) goes
 * back to the head of the queue. A request still waiting when its client's timeout has passed is
 * dropped unanswered, so the client ends it with the same timeout error as through any balancer.
 *
 * <p>Threading: everything (server, connections to the backends, the queue, {@link OracleDispatch})
 * runs on one event loop of its own; {@link #applying} posts there and waits; the counters are
 * lock-free and readable from any thread.
 */
public final class OracleProxy implements RunningBalancer {
    /** After a failed connect, a worker slot rests this long before it is tried again. */
    private static final long RECONNECT_PAUSE_MILLIS = 10;

    private final List<ControllableBackend> backends;
    private final OracleDispatch dispatch;
    private final OracleSlot[][] slots;
    private final long timeoutNanos;
    private final EventLoopGroup group;
    private final EventLoop loop;
    private final ChannelGroup channels;
    private final Bootstrap upstream;
    private final Channel server;
    private final int port;

    // Confined to loop.
    private final ArrayDeque<OracleRequest> waiting = new ArrayDeque<>();
    private final List<OracleRequest> held = new ArrayList<>();
    private boolean closed;

    private final AtomicLongArray sent;
    private final AtomicIntegerArray peakBusy;
    private final AtomicLong expired = new AtomicLong();
    private final AtomicLong resent = new AtomicLong();

    private OracleProxy(int port, List<ControllableBackend> backends, Scenario scenario) throws InterruptedException {
        if (backends.size() != scenario.backends().size()) {
            throw new IllegalArgumentException("backends: " + backends.size() + " (expected: the scenario's "
                    + scenario.backends().size() + ")");
        }
        this.backends = List.copyOf(backends);
        this.dispatch = new OracleDispatch(scenario.backends());
        this.timeoutNanos = scenario.clientTimeout().toNanos();
        this.slots = new OracleSlot[backends.size()][];
        for (int b = 0; b < slots.length; b++) {
            slots[b] = new OracleSlot[scenario.backends().get(b).capacity()];
            for (int w = 0; w < slots[b].length; w++) {
                slots[b][w] = new OracleSlot(b);
            }
        }
        this.sent = new AtomicLongArray(backends.size());
        this.peakBusy = new AtomicIntegerArray(backends.size());
        this.group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        this.loop = group.next();
        this.channels = new DefaultChannelGroup(loop);
        this.upstream = new Bootstrap().group(group).channel(NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 1000);
        this.server = LoopbackHttpServer.bootstrap(group, channels, Downstream::new)
                .bind(new InetSocketAddress("127.0.0.1", port)).sync().channel();
        this.port = ((InetSocketAddress) server.localAddress()).getPort();
        // Open every worker's connection now, so that the first requests do not pay for it.
        onLoop(() -> {
            for (int b = 0; b < slots.length; b++) {
                connectAll(b);
            }
        });
    }

    /**
     * Starts the oracle on 127.0.0.1:{@code port} (0: any free port) in front of {@code backends},
     * which run {@code scenario}'s backends in its order.
     */
    public static OracleProxy start(int port, List<ControllableBackend> backends, Scenario scenario)
            throws InterruptedException {
        return new OracleProxy(port, backends, scenario);
    }

    /**
     * Pins the oracle's event loop thread to {@code cpu} (taskset's list; blank: leaves it), where
     * the runner pins the balancers under test. Without it the loop shares the runner's CPU with
     * the backends and the load generator, and every hop to a backend and back waits for that CPU:
     * a worker slot idles for the round trip, which a balancer that lets requests queue at the
     * backend does not pay.
     */
    public void pinTo(String cpu) throws IOException {
        try {
            loop.submit(() -> {
                ThreadPinning.pinCurrentThread(cpu);
                return null;
            }).syncUninterruptibly();
        } catch (RuntimeException e) {
            throw new IOException("pinning the oracle's loop to CPU " + cpu + ": " + e.getMessage(), e);
        }
    }

    public int port() {
        return port;
    }

    /** Requests sent to {@code backend} so far (each attempt, warm-up included). */
    public long sent(int backend) {
        return sent.get(backend);
    }

    /** The most requests the oracle ever had at {@code backend} at once. */
    public int peakBusy(int backend) {
        return peakBusy.get(backend);
    }

    /** Requests dropped unsent because their client's timeout had passed. */
    public long expired() {
        return expired.get();
    }

    /** Requests sent again because the connection they were on was lost (a kill) or never opened. */
    public long resent() {
        return resent.get();
    }

    @Override
    public List<String> notes() {
        StringBuilder sent = new StringBuilder();
        for (int b = 0; b < backends.size(); b++) {
            sent.append(b == 0 ? "" : ", ").append(backends.get(b).name()).append(' ').append(sent(b))
                    .append(" (peak ").append(peakBusy(b)).append(" at once)");
        }
        return List.of("sent, warm-up included: " + sent + "; " + resent() + " sent again after a lost connection, "
                + expired() + " dropped unsent at their client's timeout");
    }

    /**
     * Tells the oracle of {@code action} as the runner applies it: a fault before {@code apply}
     * runs, so that nothing is sent to a backend that is about to die or stall, and a recovery
     * after, so that nothing is sent before the backend is back.
     */
    @Override
    public void applying(int backend, Action action, Runnable apply) {
        if (action.kind().fault()) {
            onLoop(() -> told(backend, action));
            apply.run();
        } else {
            apply.run();
            onLoop(() -> told(backend, action));
        }
    }

    @Override
    public boolean alive() {
        return server.isActive();
    }

    @Override
    public String where() {
        return "the in-process oracle on 127.0.0.1:" + port;
    }

    @Override
    public void close() {
        if (!loop.isShuttingDown()) {
            onLoop(() -> {
                closed = true;
                waiting.forEach(OracleRequest::release);
                waiting.clear();
                for (OracleSlot[] backend : slots) {
                    for (OracleSlot slot : backend) {
                        if (slot.current != null) {
                            slot.current.release();
                            slot.current = null;
                        }
                    }
                }
            });
        }
        server.close().syncUninterruptibly();
        channels.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private void onLoop(Runnable task) {
        if (loop.inEventLoop()) {
            task.run();
        } else {
            loop.submit(task).syncUninterruptibly();
        }
    }

    private void told(int backend, Action action) {
        long now = System.nanoTime();
        dispatch.told(backend, action, now);
        switch (action.kind()) {
            case REVIVE -> connectAll(backend);
            case STALL -> loop.schedule(this::dispatch, dispatch.stalledUntil(backend) - now, TimeUnit.NANOSECONDS);
            default -> { }
        }
        dispatch();
    }

    /** Sends waiting requests to free workers, head first, as {@link OracleDispatch} chooses. */
    private void dispatch() {
        if (closed) {
            return;
        }
        long now = System.nanoTime();
        while (!waiting.isEmpty() && dispatch.anyFree(now)) {
            OracleRequest p = waiting.poll();
            if (!p.downstream.isActive() || now - p.arrivedNanos >= timeoutNanos) {
                // Its client has given up (or is giving up now): it gets nothing from us.
                expired.incrementAndGet();
                p.release();
                continue;
            }
            int b = dispatch.choose(held.size(), now, i -> backends.get(i).drawFailure());
            if (b < 0) {
                held.add(p);
            } else {
                send(b, p);
            }
        }
        for (int i = held.size() - 1; i >= 0; i--) {
            waiting.addFirst(held.get(i));
        }
        held.clear();
    }

    private void send(int backend, OracleRequest p) {
        OracleSlot slot = null;
        for (OracleSlot s : slots[backend]) {
            if (s.current == null && !s.resting) {
                slot = s;
                break;
            }
        }
        if (slot == null) {
            throw new IllegalStateException("backend " + backend + ": no free slot for a free worker");
        }
        dispatch.started(backend);
        peakBusy.accumulateAndGet(backend, dispatch.busy(backend), Math::max);
        sent.incrementAndGet(backend);
        slot.current = p;
        ChannelFuture c = slot.connection;
        if (c == null || (c.isDone() && !c.channel().isActive())) {
            c = connect(slot);
        }
        OracleSlot s = slot;
        if (c.isDone()) {
            write(s, p);
        } else {
            c.addListener(f -> write(s, p));
        }
    }

    private void write(OracleSlot slot, OracleRequest p) {
        if (slot.current != p) {
            return;
        }
        ChannelFuture c = slot.connection;
        if (!c.isSuccess() || !c.channel().isActive()) {
            lost(slot, true);
            return;
        }
        FullHttpRequest copy = p.request.retainedDuplicate();
        copy.headers().set(ControllableBackend.FATE_DRAWN_HEADER, "1");
        HttpUtil.setKeepAlive(copy, true);
        c.channel().writeAndFlush(copy).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
    }

    private void connectAll(int backend) {
        for (OracleSlot s : slots[backend]) {
            if (s.connection == null || (s.connection.isDone() && !s.connection.channel().isActive())) {
                connect(s);
            }
        }
    }

    private ChannelFuture connect(OracleSlot slot) {
        InetSocketAddress to = new InetSocketAddress("127.0.0.1", backends.get(slot.backend).port());
        slot.connection = upstream.clone().handler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
                channels.add(ch);
                ch.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(65536), new Upstream(slot));
            }
        }).connect(to);
        return slot.connection;
    }

    /** The backend answered the slot's request: pass it on, free the worker, dispatch. */
    private void answered(OracleSlot slot, FullHttpResponse res) {
        OracleRequest p = slot.current;
        if (p == null) {
            return;
        }
        slot.current = null;
        dispatch.finished(slot.backend);
        Channel down = p.downstream;
        p.release();
        if (down.isActive()) {
            FullHttpResponse out = res.retainedDuplicate();
            HttpUtil.setKeepAlive(out, p.keepAlive);
            down.writeAndFlush(out).addListener(p.keepAlive
                    ? (ChannelFutureListener) f -> down.config().setAutoRead(true)
                    : ChannelFutureListener.CLOSE);
        }
        dispatch();
    }

    /**
     * The slot's connection is gone (a kill resets it) or could not be opened, with a request on
     * it: the request goes back to the head of the queue. After a failed connect the worker rests
     * {@value #RECONNECT_PAUSE_MILLIS} ms, so that the queue is not spun through refused connects.
     */
    private void lost(OracleSlot slot, boolean connectFailed) {
        OracleRequest p = slot.current;
        if (p == null) {
            return;
        }
        slot.current = null;
        waiting.addFirst(p);
        resent.incrementAndGet();
        if (connectFailed) {
            slot.resting = true;
            loop.schedule(() -> {
                slot.resting = false;
                dispatch.finished(slot.backend);
                dispatch();
            }, RECONNECT_PAUSE_MILLIS, TimeUnit.MILLISECONDS);
        } else {
            dispatch.finished(slot.backend);
        }
        dispatch();
    }

    /** A client connection: one request at a time (reads pause until it is answered). */
    private final class Downstream extends SimpleChannelInboundHandler<FullHttpRequest> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
            ctx.channel().config().setAutoRead(false);
            waiting.add(new OracleRequest(req.retain(), ctx.channel(), System.nanoTime()));
            dispatch();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    /** A worker slot's connection to its backend. */
    private final class Upstream extends SimpleChannelInboundHandler<FullHttpResponse> {
        private final OracleSlot slot;

        Upstream(OracleSlot slot) {
            this.slot = slot;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse res) {
            answered(slot, res);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (slot.connection != null && slot.connection.channel() == ctx.channel()) {
                lost(slot, false);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
