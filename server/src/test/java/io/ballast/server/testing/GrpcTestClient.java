package io.ballast.server.testing;

import io.grpc.CallOptions;
import io.grpc.ChannelCredentials;
import io.grpc.ClientCall;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.TlsChannelCredentials;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A real gRPC client (grpc-java) for tests: calls {@link GrpcEcho}'s four methods and the health
 * service on one channel, and returns each call whole, as a {@link Reply}: status, replies,
 * headers, trailers and who served it. Calls go to a {@link GrpcTestServer} directly or through
 * ballast.
 *
 * <pre>{@code
 * try (GrpcTestClient c = GrpcTestClient.plaintext("127.0.0.1", port)) {
 *   Reply r = c.unary("hello");                                  // r.message() "hello"
 *   c.unary("hi", GrpcEcho.STATUS, "UNAVAILABLE").code();       // UNAVAILABLE, by metadata
 *   c.unary("status=UNAVAILABLE&sleep=200").code();              // the same, by payload
 *   c.unary("x", Duration.ofMillis(100), GrpcEcho.SLEEP_MS, "500").code(); // DEADLINE_EXCEEDED
 *   c.serverStream("tick", 3).messages();                        // "tick 1", "tick 2", "tick 3"
 *   c.clientStream(List.of("a", "b")).message();                 // "ab"
 *   c.bidi(List.of("x", "y")).messages();                        // "x", "y"
 *   c.health("ballast.test.Echo");                               // SERVING
 *   r.servedBy();                                                // the server's name
 * }
 * }</pre>
 *
 * <p>Thread-safe (one channel, calls independent); {@link #close()} shuts the channel down.
 */
public final class GrpcTestClient implements AutoCloseable {
  /** The deadline of a call that does not give one. */
  public static final Duration DEFAULT_DEADLINE = Duration.ofSeconds(10);

  private final ManagedChannel channel;

  /**
   * One call, whole.
   *
   * @param code how it ended
   * @param description the status's description, or null
   * @param messages the replies (UTF-8), in order
   * @param headers the response headers (empty for a trailers-only answer)
   * @param trailers the trailers
   */
  public record Reply(Status.Code code, String description, List<String> messages,
      Metadata headers, Metadata trailers) {
    public boolean ok() {
      return code == Status.Code.OK;
    }

    /** The one reply of a unary or client-streaming call. */
    public String message() {
      if (messages.size() != 1) {
        throw new IllegalStateException(messages.size() + " replies (expected: 1); " + this);
      }
      return messages.get(0);
    }

    /** The {@value GrpcEcho#SERVED_BY} of the answer (header, else trailer), or null. */
    public String servedBy() {
      String h = headers.get(GrpcEcho.SERVED_BY_KEY);
      return h != null ? h : trailers.get(GrpcEcho.SERVED_BY_KEY);
    }

    @Override
    public String toString() {
      return code + (description == null ? "" : " (" + description + ")") + " " + messages
          + " served by " + servedBy();
    }
  }

  private GrpcTestClient(ManagedChannel channel) {
    this.channel = channel;
  }

  /** Cleartext HTTP/2 (prior knowledge) to {@code host:port}. */
  public static GrpcTestClient plaintext(String host, int port) {
    return new GrpcTestClient(build(host, port, InsecureChannelCredentials.create(), null));
  }

  /**
   * TLS to {@code host:port}, trusting the CAs of {@code caPem}, checking the certificate
   * against {@code authority} (null: {@code host}).
   */
  public static GrpcTestClient tls(String host, int port, Path caPem, String authority)
      throws IOException {
    ChannelCredentials creds = TlsChannelCredentials.newBuilder()
        .trustManager(caPem.toFile()).build();
    return new GrpcTestClient(build(host, port, creds, authority));
  }

  private static ManagedChannel build(String host, int port, ChannelCredentials creds,
      String authority) {
    ManagedChannelBuilder<?> b = Grpc.newChannelBuilderForAddress(host, port, creds);
    if (authority != null) {
      b.overrideAuthority(authority);
    }
    return b.build();
  }

  public ManagedChannel channel() {
    return channel;
  }

  /** Unary with {@code metadata} given as name, value, ... */
  public Reply unary(String message, String... metadata) {
    return unary(message, DEFAULT_DEADLINE, metadata);
  }

  public Reply unary(String message, Duration deadline, String... metadata) {
    return call(GrpcEcho.UNARY, List.of(message), deadline, metadata);
  }

  /** ServerStream: {@code n} replies "text 1".."text n" ("1".."n" when {@code text} is empty). */
  public Reply serverStream(String text, int n, String... metadata) {
    return call(GrpcEcho.SERVER_STREAM, List.of(text.isEmpty() ? Integer.toString(n)
        : n + ":" + text), DEFAULT_DEADLINE, metadata);
  }

  /** ClientStream: one reply, the requests concatenated. */
  public Reply clientStream(List<String> messages, String... metadata) {
    return call(GrpcEcho.CLIENT_STREAM, messages, DEFAULT_DEADLINE, metadata);
  }

  /** Bidi: every request echoed back. */
  public Reply bidi(List<String> messages, String... metadata) {
    return call(GrpcEcho.BIDI, messages, DEFAULT_DEADLINE, metadata);
  }

  /**
   * Any call: sends {@code requests}, half-closes, and waits for the end (at most the deadline
   * and a second).
   */
  public Reply call(MethodDescriptor<byte[], byte[]> method, List<String> requests,
      Duration deadline, String... metadata) {
    if (metadata.length % 2 != 0) {
      throw new IllegalArgumentException("metadata: " + metadata.length
          + " strings (expected: name, value pairs)");
    }
    Metadata sent = new Metadata();
    for (int i = 0; i < metadata.length; i += 2) {
      sent.put(Metadata.Key.of(metadata[i], Metadata.ASCII_STRING_MARSHALLER), metadata[i + 1]);
    }
    ClientCall<byte[], byte[]> call = channel.newCall(method,
        CallOptions.DEFAULT.withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS));
    CompletableFuture<Reply> done = new CompletableFuture<>();
    List<String> replies = Collections.synchronizedList(new ArrayList<>());
    Metadata[] head = {new Metadata()};
    call.start(new ClientCall.Listener<>() {
      @Override
      public void onHeaders(Metadata headers) {
        head[0] = headers;
      }

      @Override
      public void onMessage(byte[] message) {
        replies.add(GrpcEcho.text(message));
        call.request(1);
      }

      @Override
      public void onClose(Status status, Metadata trailers) {
        done.complete(new Reply(status.getCode(), status.getDescription(), List.copyOf(replies),
            head[0], trailers));
      }
    }, sent);
    call.request(1);
    for (String r : requests) {
      call.sendMessage(GrpcEcho.utf8(r));
    }
    call.halfClose();
    try {
      return done.get(deadline.toMillis() + 1000, TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      call.cancel("the test gave up", e);
      throw new AssertionError("call " + method.getFullMethodName() + " did not end", e);
    }
  }

  /**
   * What the health service says of {@code service}; a status other than OK (NOT_FOUND for an
   * unknown service, UNIMPLEMENTED without the service) is thrown as grpc-java throws it.
   */
  public ServingStatus health(String service) {
    return HealthGrpc.newBlockingStub(channel)
        .withDeadlineAfter(DEFAULT_DEADLINE.toMillis(), TimeUnit.MILLISECONDS)
        .check(HealthCheckRequest.newBuilder().setService(service).build())
        .getStatus();
  }

  @Override
  public void close() {
    channel.shutdownNow();
    try {
      channel.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
