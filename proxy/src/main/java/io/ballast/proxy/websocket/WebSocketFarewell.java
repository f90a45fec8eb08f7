package io.ballast.proxy.websocket;

import io.ballast.proxy.tunnel.Farewell;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;

/**
 * How ballast ends a WebSocket tunnel itself: at shutdown the client gets a close frame with
 * status 1001, "going away" (RFC 6455 section 7.4.1: "an endpoint is going away, such as a
 * server going down"), rather than a bare reset, so that a client library reports a clean close
 * and reconnects elsewhere; a client frame larger than the limit gets 1009, "message too big",
 * and is not passed on (a backend never has to buffer one).
 *
 * <p>The close frame must not land inside a frame the backend is sending: the client would read
 * it as payload. So this follows the frames on their way to the client, header by header (RFC
 * 6455 section 5.2), skipping each payload without reading it, and knows where the next frame
 * begins. Any frame boundary will do: control frames may come between the fragments of a message
 * (section 5.4). Server-to-client frames are unmasked (section 5.1), as the goodbye is.
 *
 * <p>Event-loop only; one instance per tunnel.
 */
public final class WebSocketFarewell implements Farewell {
  /** RFC 6455 section 7.4.1. */
  public static final int GOING_AWAY = 1001;
  /** RFC 6455 section 7.4.1: a message too big to process. */
  public static final int TOO_BIG = 1009;
  /** No limit on the frames of the client. */
  public static final long UNLIMITED = Long.MAX_VALUE;
  private static final byte[] REASON = "server shutting down".getBytes(StandardCharsets.UTF_8);
  private static final byte[] TOO_BIG_REASON = "frame too large".getBytes(StandardCharsets.UTF_8);
  /** FIN set, opcode 0x8 (close). */
  private static final int CLOSE_FRAME = 0x88;

  private final FrameWalker toClient = new FrameWalker();
  private final FrameWalker fromClient = new FrameWalker();
  private final long maxFrame;

  /** A farewell that refuses no client frame. */
  public WebSocketFarewell() {
    this(UNLIMITED);
  }

  /** @param maxFrame the largest payload a client frame may announce */
  public WebSocketFarewell(long maxFrame) {
    this.maxFrame = maxFrame;
  }

  @Override
  public void toClient(ByteBuf chunk) {
    toClient.walk(chunk, FrameWalker.Stop.NEVER);
  }

  @Override
  public int boundaryIn(ByteBuf chunk) {
    return atBoundary() ? 0 : toClient.walk(chunk, FrameWalker.Stop.AT_BOUNDARY);
  }

  @Override
  public boolean atBoundary() {
    return toClient.atBoundary();
  }

  @Override
  public ByteBuf goodbye(ByteBufAllocator alloc) {
    return close(alloc, GOING_AWAY, REASON);
  }

  /**
   * The client's frames, header by header: the offset where the first frame whose payload is
   * over the limit begins (0 when its header began in an earlier chunk), or -1. The bytes before
   * it go to the backend; the frame and what follows do not.
   */
  @Override
  public int refusedIn(ByteBuf chunk) {
    if (maxFrame == UNLIMITED) {
      return -1;
    }
    int start = chunk.readerIndex();
    int at = 0;
    while (true) {
      ByteBuf rest = chunk.slice(start + at, chunk.writerIndex() - start - at);
      int n = fromClient.walk(rest, FrameWalker.Stop.AT_HEADER);
      if (n < 0) {
        return -1;
      }
      at += n;
      if (fromClient.lastPayload() > maxFrame) {
        return Math.max(0, at - fromClient.lastHeader());
      }
    }
  }

  @Override
  public ByteBuf refusal(ByteBufAllocator alloc) {
    return close(alloc, TOO_BIG, TOO_BIG_REASON);
  }

  private static ByteBuf close(ByteBufAllocator alloc, int code, byte[] reason) {
    ByteBuf b = alloc.buffer(4 + reason.length);
    b.writeByte(CLOSE_FRAME);
    // Payload length: the 2-byte status code and the reason, well under 126 (one length byte).
    b.writeByte(2 + reason.length);
    b.writeShort(code);
    b.writeBytes(reason);
    return b;
  }
}
