package io.ballast.proxy.websocket;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** Frame boundaries found over any split of the stream, and the close frame's bytes. */
class WebSocketFarewellTest {

  /** A frame with {@code payload} bytes (each length form), masked or not. */
  private static byte[] frame(int opcode, int payload, boolean masked) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    b.write(0x80 | opcode);
    int mask = masked ? 0x80 : 0;
    if (payload < 126) {
      b.write(mask | payload);
    } else if (payload < 65536) {
      b.write(mask | 126);
      b.write(payload >>> 8);
      b.write(payload & 0xff);
    } else {
      b.write(mask | 127);
      for (int shift = 56; shift >= 0; shift -= 8) {
        b.write((int) ((long) payload >>> shift) & 0xff);
      }
    }
    if (masked) {
      b.writeBytes(new byte[] {9, 8, 7, 6});
    }
    b.writeBytes(new byte[payload]);
    return b.toByteArray();
  }

  @Test
  void findsEveryFrameBoundaryWhereverTheChunksEnd() {
    int[] sizes = {0, 5, 125, 126, 300, 65535, 65536, 70_000, 1};
    ByteArrayOutputStream stream = new ByteArrayOutputStream();
    TreeSet<Integer> boundaries = new TreeSet<>();
    boundaries.add(0);
    for (int i = 0; i < sizes.length; i++) {
      stream.writeBytes(frame(i % 2 == 0 ? 0x2 : 0x9, sizes[i], i % 3 == 0));
      boundaries.add(stream.size());
    }
    byte[] all = stream.toByteArray();
    Random random = new Random(42);
    for (int round = 0; round < 20; round++) {
      WebSocketFarewell farewell = new WebSocketFarewell();
      int at = 0;
      while (at < all.length) {
        int n = Math.min(all.length - at, 1 + random.nextInt(round % 2 == 0 ? 7 : 40_000));
        farewell.toClient(Unpooled.wrappedBuffer(all, at, n));
        at += n;
        assertThat(farewell.atBoundary()).as("after byte %d", at)
            .isEqualTo(boundaries.contains(at));
      }
    }
  }

  @Test
  void boundaryInGivesTheOffsetOfTheFirstBoundaryOrMinusOne() {
    byte[] first = frame(0x2, 300, false);
    byte[] second = frame(0x1, 10, false);
    WebSocketFarewell farewell = new WebSocketFarewell();
    // 4 header bytes and 6 of payload: 294 to go.
    farewell.toClient(Unpooled.wrappedBuffer(first, 0, 10));

    ByteBuf middle = Unpooled.wrappedBuffer(first, 10, 100);
    assertThat(farewell.boundaryIn(middle)).isEqualTo(-1);
    assertThat(middle.readerIndex()).isZero();
    ByteBuf rest = Unpooled.wrappedBuffer(Unpooled.wrappedBuffer(first, 110, first.length - 110),
        Unpooled.wrappedBuffer(second));
    assertThat(farewell.boundaryIn(rest)).isEqualTo(first.length - 110);
    assertThat(farewell.atBoundary()).isTrue();
    assertThat(farewell.boundaryIn(Unpooled.wrappedBuffer(second))).isZero();
  }

  @Test
  void theGoodbyeIsAnUnmaskedCloseFrameWithStatus1001() {
    ByteBuf bye = new WebSocketFarewell().goodbye(ByteBufAllocator.DEFAULT);
    try {
      byte[] reason = "server shutting down".getBytes(StandardCharsets.UTF_8);
      List<Integer> expected = new ArrayList<>(List.of(0x88, 2 + reason.length, 0x03, 0xE9));
      for (byte r : reason) {
        expected.add((int) r);
      }
      List<Integer> got = new ArrayList<>();
      while (bye.isReadable()) {
        got.add((int) bye.readUnsignedByte());
      }
      assertThat(got).isEqualTo(expected);
    } finally {
      bye.release();
    }
  }
}
