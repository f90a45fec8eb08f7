package io.ballast.bench.scenario;

import io.netty.channel.Channel;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpUtil;

/**
 * A client's request in {@link OracleProxy}, waiting in the central queue or at a worker; holds one
 * reference to the request, given back by {@link #release}. Confined to the oracle's event loop.
 */
final class OracleRequest {
    final FullHttpRequest request;
    /** The client's connection, answered when the request is. */
    final Channel downstream;
    /** When it reached the oracle ({@link System#nanoTime()} scale): its client's timeout runs from about then. */
    final long arrivedNanos;
    final boolean keepAlive;

    OracleRequest(FullHttpRequest request, Channel downstream, long arrivedNanos) {
        this.request = request;
        this.downstream = downstream;
        this.arrivedNanos = arrivedNanos;
        this.keepAlive = HttpUtil.isKeepAlive(request);
    }

    void release() {
        request.release();
    }
}
