package io.ballast.proxy.tcp;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;

/**
 * What a TCP connection read before its relay began (its ClientHello, what followed a PROXY
 * header), in order: the backend must get it first, exactly once. Nothing is written to a
 * backend before its connect succeeded, so a connect that fails and goes on to another backend
 * leaves these untouched; they are passed on once, to the tunnel, or released when the
 * connection ends without one. Owns the buffers it holds.
 *
 * <p>Event-loop only (the connection's).
 */
final class HeldBytes {
  private final ArrayDeque<ByteBuf> chunks = new ArrayDeque<>(2);

  void add(ByteBuf chunk) {
    chunks.add(chunk);
  }

  /**
   * Fires every chunk, in order, from {@code ctx} to the handler after it (the tunnel's endpoint,
   * which keeps them for the tunnel's start); they are its to release from then on.
   */
  void passOn(ChannelHandlerContext ctx) {
    ByteBuf chunk;
    while ((chunk = chunks.poll()) != null) {
      ctx.fireChannelRead(chunk);
    }
  }

  /** Releases what is still held (the connection ended before a backend took it). */
  void release() {
    ByteBuf chunk;
    while ((chunk = chunks.poll()) != null) {
      ReferenceCountUtil.release(chunk);
    }
  }
}
