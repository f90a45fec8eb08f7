package io.ballast.proxy.tunnel;

import io.netty.buffer.ByteBuf;

/**
 * What one side of a {@link Tunnel} tells it: its bytes, the end of a read, its writability, its
 * end of input and its failure. A channel side tells it through the tunnel's endpoint handler
 * ({@link Tunnel#endpoint}); a side that is no channel ({@link TunnelSide}) calls it directly
 * ({@link Tunnel#clientInput}).
 *
 * <p>Event-loop only.
 */
public interface TunnelInput {
  /** Bytes the side read (taken over). */
  void read(ByteBuf bytes);

  /** A read of the side ended: what it brought goes out in one flush. */
  void readComplete();

  /** The side's writability changed. */
  void writabilityChanged();

  /** The side's peer ended its output (a FIN, an END_STREAM). */
  void inputEnded();

  /** The side failed (a reset, an I/O error). */
  void failed(Throwable cause);
}
