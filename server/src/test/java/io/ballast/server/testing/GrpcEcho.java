package io.ballast.server.testing;

import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The test service {@code ballast.test.Echo}, described without generated code: its four methods
 * over raw byte[] messages (UTF-8 text in practice), the metadata that steers a call, and the
 * header that says which server answered. Shared by {@link GrpcTestServer} and
 * {@link GrpcTestClient}. Immutable.
 *
 * <p>How a call is steered, by request metadata on any method, or (Unary only) by a request
 * payload made only of {@code key=value} pairs joined by {@code &}:
 * <ul>
 *   <li>{@value #STATUS} / {@code status=}: end the call with this status, a name such as
 *       {@code UNAVAILABLE} or its number ({@code 14}); Unary then sends no reply, the streaming
 *       methods send their replies first;
 *   <li>{@value #MESSAGE} / {@code message=}: the status's description;
 *   <li>{@value #SLEEP_MS} / {@code sleep=}: Unary answers after this many milliseconds
 *       (without holding a thread; past the client's deadline the client sees
 *       DEADLINE_EXCEEDED).
 * </ul>
 * Example payload: {@code "sleep=200&status=UNAVAILABLE"}.
 */
public final class GrpcEcho {
  public static final String SERVICE = "ballast.test.Echo";
  /** Request metadata: the status the call ends with. */
  public static final String STATUS = "x-echo-status";
  /** Request metadata: the description of that status. */
  public static final String MESSAGE = "x-echo-message";
  /** Request metadata: how long Unary waits before answering. */
  public static final String SLEEP_MS = "x-echo-sleep-ms";
  /** Response header and trailer: the name of the server that answered. */
  public static final String SERVED_BY = "x-served-by";
  public static final Metadata.Key<String> SERVED_BY_KEY =
      Metadata.Key.of(SERVED_BY, Metadata.ASCII_STRING_MARSHALLER);

  /** byte[] as they are: no protobuf, no generated code. */
  public static final MethodDescriptor.Marshaller<byte[]> BYTES =
      new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
          return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
          try {
            return stream.readAllBytes();
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }
      };

  /** Echoes the request (or ends as steered). */
  public static final MethodDescriptor<byte[], byte[]> UNARY =
      method("Unary", MethodDescriptor.MethodType.UNARY);
  /** Request {@code "N"} or {@code "N:text"}: N replies, "1".."N" or "text 1".."text N". */
  public static final MethodDescriptor<byte[], byte[]> SERVER_STREAM =
      method("ServerStream", MethodDescriptor.MethodType.SERVER_STREAMING);
  /** Replies once, at the client's half-close, with every request concatenated. */
  public static final MethodDescriptor<byte[], byte[]> CLIENT_STREAM =
      method("ClientStream", MethodDescriptor.MethodType.CLIENT_STREAMING);
  /** Echoes each request as it comes; ends when the client half-closes. */
  public static final MethodDescriptor<byte[], byte[]> BIDI =
      method("Bidi", MethodDescriptor.MethodType.BIDI_STREAMING);

  private GrpcEcho() {}

  private static MethodDescriptor<byte[], byte[]> method(String name,
      MethodDescriptor.MethodType type) {
    return MethodDescriptor.<byte[], byte[]>newBuilder(BYTES, BYTES)
        .setType(type)
        .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, name))
        .build();
  }

  static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  static String text(byte[] bytes) {
    return new String(bytes, StandardCharsets.UTF_8);
  }

  /** A status by name ({@code UNAVAILABLE}) or number ({@code 14}). */
  static Status.Code code(String nameOrNumber) {
    String s = nameOrNumber.strip();
    if (!s.isEmpty() && s.chars().allMatch(Character::isDigit)) {
      return Status.fromCodeValue(Integer.parseInt(s)).getCode();
    }
    return Status.Code.valueOf(s.toUpperCase(java.util.Locale.ROOT));
  }
}
