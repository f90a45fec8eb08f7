package io.ballast.bench.scenario;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import java.util.function.Supplier;

/**
 * The server side the runner's in-process HTTP/1.1 servers share (the controllable backends and
 * the oracle): NIO on the given group, whole requests (up to 64 KiB) handed to a handler made per
 * connection, Nagle off, every connection added to a group so that a kill or a close reaches it.
 * Stateless; thread-safe.
 */
final class LoopbackHttpServer {
    private LoopbackHttpServer() {}

    /** A bootstrap ready to bind (to 127.0.0.1: the caller chooses the port). */
    static ServerBootstrap bootstrap(EventLoopGroup group, ChannelGroup connections, Supplier<ChannelHandler> handler) {
        return new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_REUSEADDR, true)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        connections.add(ch);
                        ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(65536), handler.get());
                    }
                });
    }
}
