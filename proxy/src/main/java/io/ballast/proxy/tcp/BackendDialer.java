package io.ballast.proxy.tcp;

import io.ballast.core.Backend;
import io.ballast.proxy.Transport;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * How the connections of one TCP listener reach their backends: a bootstrap whose options are
 * set once (not per connection), cloned onto the client's event loop for each connect; and each
 * backend's socket address, resolved once per backend for every listener rather than at each
 * connect, since a backend written with a DNS name would otherwise be looked up, blocking, on
 * the event loop every time (the HTTP relay resolves once per backend and loop, for the same
 * reason).
 *
 * <p>Thread-safe: the template is never changed after construction (connects clone it), and
 * the addresses are a concurrent map shared by the listeners of a proxy.
 */
final class BackendDialer {
  /** Adds nothing: the tunnel's handler is added once the backend is connected. */
  private static final ChannelInitializer<Channel> EMPTY = new ChannelInitializer<>() {
    @Override
    protected void initChannel(Channel ch) {}
  };

  private final Bootstrap template;
  private final Duration connectTimeout;
  private final Map<Backend, InetSocketAddress> addresses;

  /**
   * @param group the TCP listeners' event loops (their transport picks the channel type)
   * @param connectTimeout how long one connect may take
   * @param addresses each backend's resolved address, shared and kept by the caller
   */
  BackendDialer(EventLoopGroup group, Duration connectTimeout,
      Map<Backend, InetSocketAddress> addresses) {
    this.connectTimeout = Objects.requireNonNull(connectTimeout, "connectTimeout");
    this.addresses = Objects.requireNonNull(addresses, "addresses");
    this.template = new Bootstrap()
        .group(group)
        .channel(Transport.socketChannel(group))
        // No TCP_NODELAY here: Netty sets it on every socket it makes; again is a syscall more.
        // Read nothing before the tunnel starts: a backend that speaks first waits in the kernel.
        .option(ChannelOption.AUTO_READ, false)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) connectTimeout.toMillis())
        .handler(EMPTY);
  }

  /** The connect timeout this dialer was made with. */
  Duration connectTimeout() {
    return connectTimeout;
  }

  /** A new connection to {@code backend} on {@code loop} (the client's). */
  ChannelFuture connect(Backend backend, EventLoop loop) {
    InetSocketAddress to = addresses.computeIfAbsent(backend,
        b -> new InetSocketAddress(b.host(), b.port()));
    return template.clone(loop).connect(to);
  }
}
