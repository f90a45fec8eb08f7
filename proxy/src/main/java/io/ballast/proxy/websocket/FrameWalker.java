package io.ballast.proxy.websocket;

import io.netty.buffer.ByteBuf;

/**
 * Follows WebSocket frames through a byte stream, header by header (RFC 6455 section 5.2),
 * skipping each payload without reading it: where the next frame begins, and how long the
 * payload announced by each header is. One per direction of a tunnel.
 *
 * <p>Worked example: the header bytes {@code 0x82 0x7E 0x01 0x00} say a final binary frame with
 * a 16-bit length of 256: after these 4 bytes, 256 bytes of payload, then a boundary. A chunk of
 * 100 bytes that starts 10 bytes into that payload ends 146 bytes before the boundary. A masked
 * frame (every client frame) has 4 more header bytes, its mask key.
 *
 * <p>Event-loop only.
 */
final class FrameWalker {
  /** The header of the frame in progress: at most 2 + 8 (length) + 4 (mask) bytes. */
  private final byte[] header = new byte[14];
  /** Header bytes of the frame in progress seen so far. */
  private int have;
  /** The header's whole length, known from its second byte; 0 before. */
  private int need;
  /** Payload bytes of the current frame not yet seen. */
  private long payloadLeft;
  /** The payload length and the length of the last header completed. */
  private long lastPayload;
  private int lastHeader;

  boolean atBoundary() {
    return have == 0 && payloadLeft == 0;
  }

  /** The payload length the last completed header announced. */
  long lastPayload() {
    return lastPayload;
  }

  /** The length of the last completed header, in bytes (2 to 14). */
  int lastHeader() {
    return lastHeader;
  }

  /**
   * Follows the frames over the chunk's readable bytes, without moving its indexes. Stops where
   * {@code stop} says, returning the offset from the reader index (after the last byte read),
   * or walks the whole chunk and returns -1.
   */
  int walk(ByteBuf chunk, Stop stop) {
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
          lastPayload = payloadLength();
          lastHeader = need;
          payloadLeft = lastPayload;
          have = 0;
          need = 0;
          if (stop == Stop.AT_HEADER) {
            return i - start;
          }
        }
      }
      if (stop == Stop.AT_BOUNDARY && atBoundary()) {
        return i - start;
      }
    }
    return -1;
  }

  /** Where {@link #walk} stops: nowhere, at the next boundary, or after the next header. */
  enum Stop { NEVER, AT_BOUNDARY, AT_HEADER }

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
