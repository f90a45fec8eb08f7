package io.ballast.proxy.websocket;

import io.ballast.proxy.tunnel.Farewell;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;

/**
 * How ballast ends a WebSocket tunnel itself (at shutdown): the client gets a close frame with
 * status 1001, "going away" (RFC 6455 section 7.4.1: "an endpoint is going away, such as a
 * server going down"), rather than a bare reset, so that a client library reports a clean close
 * and reconnects elsewhere.
 *
 * <p>The close frame must not land inside a frame the backend is sending: the client would read
 * it as payload. So this follows the frames on their way to the client, header by header (RFC
 * 6455 section 5.2), skipping each payload without reading it, and knows where the next frame
 * begins. Any frame boundary will do: control frames may come between the fragments of a message
 * (section 5.4). Server-to-client frames are unmasked (section 5.1), as the goodbye is.
 *
 * <p>Worked example: the header bytes {@code 0x82 0x7E 0x01 0x00} say a final binary frame with a
 * 16-bit length of 256: after these 4 bytes, 256 bytes of payload, then a boundary. A chunk of
 * 100 bytes that starts 10 bytes into that payload ends 146 bytes before the boundary.
 *
 * <p>Event-loop only; one instance per tunnel.
 */
public final class WebSocketFarewell implements Farewell {
  /** RFC 6455 section 7.4.1. */
  public static final int GOING_AWAY = 1001;
  private static final byte[] REASON = "server shutting down".getBytes(StandardCharsets.UTF_8);
  /** FIN set, opcode 0x8 (close). */
  private static final int CLOSE_FRAME = 0x88;

  /** The header of the frame in progress: at most 2 + 8 (length) + 4 (mask) bytes. */
  private final byte[] header = new byte[14];
  /** Header bytes of the frame in progress seen so far. */
  private int have;
  /** The header's whole length, known from its second byte; 0 before. */
  private int need;
  /** Payload bytes of the current frame not yet seen. */
  private long payloadLeft;

  @Override
  public void toClient(ByteBuf chunk) {
    walk(chunk, false);
  }

  @Override
  public int boundaryIn(ByteBuf chunk) {
    return atBoundary() ? 0 : walk(chunk, true);
  }

  @Override
  public boolean atBoundary() {
    return have == 0 && payloadLeft == 0;
  }

  @Override
  public ByteBuf goodbye(ByteBufAllocator alloc) {
    ByteBuf b = alloc.buffer(4 + REASON.length);
    b.writeByte(CLOSE_FRAME);
    // Payload length: the 2-byte status code and the reason, well under 126 (one length byte).
    b.writeByte(2 + REASON.length);
    b.writeShort(GOING_AWAY);
    b.writeBytes(REASON);
    return b;
  }

  /**
   * Follows the frames over the chunk's readable bytes. With {@code stopAtBoundary}, stops at
   * the first boundary and returns its offset from the reader index, or -1 when the chunk ends
   * first; otherwise walks the whole chunk and returns -1.
   */
  private int walk(ByteBuf chunk, boolean stopAtBoundary) {
    int start = chunk.readerIndex();
    int end = chunk.writerIndex();
    int i = start;
    while (i < end) {
      if (payloadLeft > 0) {
        int take = (int) Math.min(payloadLeft, end - i);
        payloadLeft -= take;
        i += take;
      } else {
        header[have++] = chunk.getByte(i++);
        if (have == 2) {
          need = headerLength(header[1]);
        }
        if (have == need) {
          payloadLeft = payloadLength();
          have = 0;
          need = 0;
        }
      }
      if (stopAtBoundary && atBoundary()) {
        return i - start;
      }
    }
    return -1;
  }

  /** 2 bytes, then 2 or 8 of extended length (7-bit length 126 or 127), then 4 of mask key. */
  private static int headerLength(byte second) {
    int len7 = second & 0x7f;
    int extended = len7 == 126 ? 2 : len7 == 127 ? 8 : 0;
    int mask = (second & 0x80) != 0 ? 4 : 0;
    return 2 + extended + mask;
  }

  private long payloadLength() {
    int len7 = header[1] & 0x7f;
    if (len7 < 126) {
      return len7;
    }
    if (len7 == 126) {
      return (header[2] & 0xffL) << 8 | (header[3] & 0xffL);
    }
    long n = 0;
    for (int k = 2; k < 10; k++) {
      n = n << 8 | (header[k] & 0xffL);
    }
    // The most significant bit must be 0 (section 5.2); a peer that sets it gets no help here.
    return n & Long.MAX_VALUE;
  }
}
