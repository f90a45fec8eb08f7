package io.ballast.bench.scenario;

import io.netty.channel.ChannelFuture;

/**
 * One worker of one backend as {@link OracleProxy} sees it: a keep-alive connection to the backend
 * carrying at most one request. Mutable; confined to the oracle's event loop.
 */
final class OracleSlot {
    final int backend;
    /** The connection, opened or opening; null before the first. */
    ChannelFuture connection;
    /** The request on it, or null when the worker is free. */
    OracleRequest current;
    /** Out of use for a moment after a failed connect (its worker still counted busy). */
    boolean resting;

    OracleSlot(int backend) {
        this.backend = backend;
    }
}
