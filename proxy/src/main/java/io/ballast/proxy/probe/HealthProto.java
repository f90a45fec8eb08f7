package io.ballast.proxy.probe;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The bytes of one {@code grpc.health.v1.Health/Check} call, written by hand so that the proxy
 * needs no protobuf runtime for two one-field messages:
 *
 * <pre>
 * message HealthCheckRequest  { string service = 1; }
 * message HealthCheckResponse { enum ServingStatus { UNKNOWN = 0; SERVING = 1; NOT_SERVING = 2;
 *                               SERVICE_UNKNOWN = 3; } ServingStatus status = 1; }
 * </pre>
 *
 * <p>Protobuf encoding: a field is a key (field number &lt;&lt; 3 | wire type) then its value. A
 * string is wire type 2 (length-delimited): key 0x0A, the UTF-8 length as a varint, the bytes.
 * An enum is wire type 0 (varint): key 0x08, the number as a varint (7 bits a byte, least
 * significant group first, high bit set on every byte but the last). Worked example: service
 * "ab" encodes as {@code 0A 02 61 62}; status SERVING decodes from {@code 08 01}. A proto3
 * field at its default ("" or 0) is omitted, so the request for the whole server is empty and a
 * response without field 1 means UNKNOWN.
 *
 * <p>gRPC puts each message on the wire as a 5-byte prefix (a compressed flag, 0 here, and the
 * length as 4 bytes big-endian) followed by the message.
 *
 * <p>Stateless and thread-safe.
 */
public final class HealthProto {
  /** {@code ServingStatus.SERVING}. */
  public static final int SERVING = 1;
  /** The prefix of a gRPC message on the wire: compressed flag, then 4 bytes of length. */
  public static final int PREFIX = 5;

  private static final String[] STATUS_NAMES =
      {"UNKNOWN", "SERVING", "NOT_SERVING", "SERVICE_UNKNOWN"};
  private static final int WIRE_VARINT = 0;
  private static final int WIRE_I64 = 1;
  private static final int WIRE_LEN = 2;
  private static final int WIRE_I32 = 5;

  private HealthProto() {}

  /** The HealthCheckRequest for {@code service} ("" asks about the server as a whole). */
  public static byte[] request(String service) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] utf8 = service.getBytes(StandardCharsets.UTF_8);
    if (utf8.length > 0) {
      out.write(1 << 3 | WIRE_LEN);
      writeVarint(out, utf8.length);
      out.writeBytes(utf8);
    }
    return out.toByteArray();
  }

  /** {@code message} as gRPC sends it: uncompressed flag, 4-byte big-endian length, bytes. */
  public static byte[] frame(byte[] message) {
    byte[] framed = new byte[PREFIX + message.length];
    int n = message.length;
    framed[1] = (byte) (n >>> 24);
    framed[2] = (byte) (n >>> 16);
    framed[3] = (byte) (n >>> 8);
    framed[4] = (byte) n;
    System.arraycopy(message, 0, framed, PREFIX, n);
    return framed;
  }

  /**
   * The one message of a unary response body ({@code body}: every DATA byte of the stream).
   *
   * @throws IllegalArgumentException saying what was wrong (compressed, truncated, trailing bytes)
   */
  public static byte[] unframe(byte[] body) {
    if (body.length < PREFIX) {
      throw new IllegalArgumentException("response of " + body.length
          + " bytes (expected: a 5-byte message prefix and a message)");
    }
    if (body[0] != 0) {
      throw new IllegalArgumentException("compressed message (flag " + body[0]
          + "; expected: 0, none was asked for)");
    }
    long n = ((body[1] & 0xffL) << 24) | ((body[2] & 0xff) << 16) | ((body[3] & 0xff) << 8)
        | (body[4] & 0xff);
    if (n != body.length - PREFIX) {
      throw new IllegalArgumentException("message length " + n + " with " + (body.length - PREFIX)
          + " bytes after the prefix (expected: exactly one message)");
    }
    byte[] message = new byte[(int) n];
    System.arraycopy(body, PREFIX, message, 0, message.length);
    return message;
  }

  /**
   * The {@code status} of a HealthCheckResponse (0, UNKNOWN, when the field is absent; the last
   * one when repeated, as protobuf parsers do); fields it does not know are skipped.
   *
   * @throws IllegalArgumentException when the bytes are not a well-formed message
   */
  public static int status(byte[] response) {
    int[] at = {0};
    long status = 0;
    while (at[0] < response.length) {
      long key = readVarint(response, at);
      int field = (int) (key >>> 3);
      int wire = (int) (key & 7);
      if (field == 0) {
        throw new IllegalArgumentException("field number 0 (expected: >= 1)");
      }
      switch (wire) {
        case WIRE_VARINT -> {
          long v = readVarint(response, at);
          if (field == 1) {
            status = v;
          }
        }
        case WIRE_I64 -> skip(response, at, 8);
        case WIRE_LEN -> skip(response, at, readVarint(response, at));
        case WIRE_I32 -> skip(response, at, 4);
        default -> throw new IllegalArgumentException("wire type " + wire + " of field " + field
            + " (expected: 0, 1, 2 or 5)");
      }
    }
    // An enum is an int32 on the wire; a negative one arrives as a 10-byte varint.
    return (int) status;
  }

  /** "SERVING", "NOT_SERVING", ...; a number the enum does not have as "status N". */
  public static String statusName(int status) {
    return status >= 0 && status < STATUS_NAMES.length ? STATUS_NAMES[status] : "status " + status;
  }

  private static void writeVarint(ByteArrayOutputStream out, int value) {
    int v = value;
    while ((v & ~0x7f) != 0) {
      out.write((v & 0x7f) | 0x80);
      v >>>= 7;
    }
    out.write(v);
  }

  private static long readVarint(byte[] b, int[] at) {
    long value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (at[0] >= b.length) {
        throw new IllegalArgumentException("varint cut off at byte " + at[0]
            + " (expected: a last byte without the high bit)");
      }
      byte x = b[at[0]++];
      value |= (long) (x & 0x7f) << shift;
      if (x >= 0) {
        return value;
      }
    }
    throw new IllegalArgumentException("varint longer than 10 bytes (expected: at most 10)");
  }

  private static void skip(byte[] b, int[] at, long n) {
    if (n < 0 || n > b.length - at[0]) {
      throw new IllegalArgumentException("field of " + n + " bytes with " + (b.length - at[0])
          + " left (expected: a field within the message)");
    }
    at[0] += (int) n;
  }
}
