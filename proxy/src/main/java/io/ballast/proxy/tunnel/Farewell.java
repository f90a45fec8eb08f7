package io.ballast.proxy.tunnel;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * What the client of a tunnel is told when ballast ends the tunnel itself (at shutdown), in the
 * tunnelled protocol's own words: a WebSocket close frame, for example. The tunnel relays raw
 * bytes, so a goodbye can only go between two of the protocol's units (frames), never inside
 * one; a farewell follows the bytes on their way to the client to know where those boundaries
 * are.
 *
 * <p>Event-loop only: one instance per tunnel, called on the tunnel's event loop.
 */
public interface Farewell {
  /** Plain TCP: nothing to say, every byte is a boundary; the client sees the close. */
  Farewell NONE = new Farewell() {
    @Override
    public void toClient(ByteBuf chunk) {}

    @Override
    public int boundaryIn(ByteBuf chunk) {
      return 0;
    }

    @Override
    public boolean atBoundary() {
      return true;
    }

    @Override
    public ByteBuf goodbye(ByteBufAllocator alloc) {
      return null;
    }
  };

  /** {@code chunk} goes to the client whole; read it without moving its indexes. */
  void toClient(ByteBuf chunk);

  /**
   * While the tunnel ends: how many bytes of {@code chunk} (from its reader index) go to the
   * client before the goodbye, that is the offset of the first boundary in it (0 when the
   * stream is at one now), or -1 when the chunk ends before one (it then goes whole). Reads
   * without moving the chunk's indexes.
   */
  int boundaryIn(ByteBuf chunk);

  /** True when everything sent to the client so far ends on a boundary. */
  boolean atBoundary();

  /** The goodbye to write at a boundary before the close, or null for none. */
  ByteBuf goodbye(ByteBufAllocator alloc);

  /**
   * Reads {@code chunk} on its way from the client, without moving its indexes: the offset (from
   * the reader index) after which the client broke one of the protocol's limits (a frame too
   * large), or -1 when it did not. The bytes before it go on; the tunnel then ends with
   * {@link #refusal}.
   */
  default int refusedIn(ByteBuf chunk) {
    return -1;
  }

  /** The goodbye when the client broke a limit ({@link #refusedIn}), or null for none. */
  default ByteBuf refusal(ByteBufAllocator alloc) {
    return goodbye(alloc);
  }
}
