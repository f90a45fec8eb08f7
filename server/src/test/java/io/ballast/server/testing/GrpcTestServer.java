package io.ballast.server.testing;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerCredentials;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.TlsServerCredentials;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real gRPC server (grpc-java over its own shaded Netty) on 127.0.0.1 for tests: the
 * {@link GrpcEcho} service and, unless left out, grpc-java's standard health service
 * ({@code grpc.health.v1.Health}) whose statuses a test flips per service. Every answer carries
 * the server's name in the {@value GrpcEcho#SERVED_BY} header and trailer, and the server counts
 * the calls of each method.
 *
 * <pre>{@code
 * GrpcTestServer a = GrpcTestServer.start("a");                 // cleartext h2, free port
 * GrpcTestServer t = GrpcTestServer.builder("t").tls(cert, key).start();
 * GrpcTestServer bare = GrpcTestServer.builder("b").withoutHealth().start();
 * a.health("ballast.test.Echo", ServingStatus.NOT_SERVING);
 * a.calls(GrpcEcho.UNARY.getFullMethodName());
 * }</pre>
 *
 * <p>Thread-safe; {@link #close()} stops it (and waits up to 5 s for calls in progress).
 */
public final class GrpcTestServer implements AutoCloseable {
  private volatile Status.Code failAll;
  private static final Context.Key<Steer> STEER = Context.key("ballast-echo-steer");
  private static final Metadata.Key<String> STATUS_KEY =
      Metadata.Key.of(GrpcEcho.STATUS, Metadata.ASCII_STRING_MARSHALLER);
  private static final Metadata.Key<String> MESSAGE_KEY =
      Metadata.Key.of(GrpcEcho.MESSAGE, Metadata.ASCII_STRING_MARSHALLER);
  private static final Metadata.Key<String> SLEEP_KEY =
      Metadata.Key.of(GrpcEcho.SLEEP_MS, Metadata.ASCII_STRING_MARSHALLER);

  private final String name;
  private final Server server;
  private final HealthStatusManager health;
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "grpc-test-timer");
    t.setDaemon(true);
    return t;
  });
  private final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();

  /** How a call is steered: a status to end with (null: OK), a delay before Unary answers. */
  private record Steer(Status status, long sleepMs) {
    static final Steer NONE = new Steer(null, 0);

    /** Pairs from metadata or a payload; an unknown key makes it not a steer (null). */
    static Steer of(Map<String, String> pairs) {
      Status status = null;
      long sleep = 0;
      for (Map.Entry<String, String> e : pairs.entrySet()) {
        switch (e.getKey()) {
          case "status" -> status = Status.fromCode(GrpcEcho.code(e.getValue()));
          case "sleep" -> sleep = Long.parseLong(e.getValue().strip());
          case "message" -> { }
          default -> {
            return null;
          }
        }
      }
      String message = pairs.get("message");
      if (status != null && message != null) {
        status = status.withDescription(message);
      }
      return new Steer(status, sleep);
    }

    /** "status=UNAVAILABLE&sleep=200" as a steer; anything else is an ordinary payload. */
    static Steer ofPayload(String text) {
      Map<String, String> pairs = new java.util.LinkedHashMap<>();
      for (String pair : text.split("&", -1)) {
        int eq = pair.indexOf('=');
        if (eq <= 0) {
          return null;
        }
        pairs.put(pair.substring(0, eq), pair.substring(eq + 1));
      }
      try {
        return of(pairs);
      } catch (IllegalArgumentException e) {
        return null;
      }
    }

    static Steer ofMetadata(Metadata headers) {
      Map<String, String> pairs = new java.util.LinkedHashMap<>();
      putIfPresent(pairs, "status", headers.get(STATUS_KEY));
      putIfPresent(pairs, "message", headers.get(MESSAGE_KEY));
      putIfPresent(pairs, "sleep", headers.get(SLEEP_KEY));
      return pairs.isEmpty() ? NONE : of(pairs);
    }

    private static void putIfPresent(Map<String, String> pairs, String key, String value) {
      if (value != null) {
        pairs.put(key, value);
      }
    }
  }

  /** How to start one: name, port, TLS, with or without the health service. */
  public static final class Builder {
    private final String name;
    private int port;
    private Path cert;
    private Path key;
    private boolean health = true;

    private Builder(String name) {
      this.name = name;
    }

    /** A fixed port (for a server restarted where the previous one was); default a free one. */
    public Builder port(int port) {
      this.port = port;
      return this;
    }

    /** TLS with this certificate chain and key (PEM); ALPN h2, as gRPC requires. */
    public Builder tls(Path certPem, Path keyPem) {
      this.cert = certPem;
      this.key = keyPem;
      return this;
    }

    /** No grpc.health.v1 service: its calls answer UNIMPLEMENTED. */
    public Builder withoutHealth() {
      this.health = false;
      return this;
    }

    public GrpcTestServer start() throws IOException {
      return new GrpcTestServer(this);
    }
  }

  public static Builder builder(String name) {
    return new Builder(name);
  }

  /** A cleartext server named {@code name} on a free port, with the health service. */
  public static GrpcTestServer start(String name) throws IOException {
    return builder(name).start();
  }

  private GrpcTestServer(Builder b) throws IOException {
    this.name = b.name;
    ServerCredentials credentials = b.cert == null ? io.grpc.InsecureServerCredentials.create()
        : TlsServerCredentials.create(b.cert.toFile(), b.key.toFile());
    NettyServerBuilder sb = NettyServerBuilder
        .forAddress(new InetSocketAddress("127.0.0.1", b.port), credentials)
        .addService(ServerInterceptors.intercept(echo(), new Steering()))
        .intercept(new ServedBy());
    if (b.health) {
      health = new HealthStatusManager();
      // "" (the whole server) is SERVING from the start; the echo service is too.
      health.setStatus(GrpcEcho.SERVICE, ServingStatus.SERVING);
      sb.addService(health.getHealthService());
    } else {
      health = null;
    }
    this.server = sb.build().start();
  }

  public String name() {
    return name;
  }

  public int port() {
    return server.getPort();
  }

  /** "127.0.0.1:port", as a pool's backend address. */
  public String address() {
    return "127.0.0.1:" + port();
  }

  /** Sets what the health service answers for {@code service} ("" for the whole server). */
  public void health(String service, ServingStatus status) {
    if (health == null) {
      throw new IllegalStateException(name + " was started without the health service");
    }
    health.setStatus(service, status);
  }

  /** Forgets {@code service}: its checks answer NOT_FOUND. */
  public void forget(String service) {
    if (health == null) {
      throw new IllegalStateException(name + " was started without the health service");
    }
    health.clearStatus(service);
  }

  /** Calls of {@code fullMethodName} ("ballast.test.Echo/Unary", "grpc.health.v1.Health/Check"). */
  /**
   * From now on every call of {@code ballast.test.Echo} ends at once with {@code code} (a
   * trailers-only answer naming this server); null answers normally again. The health service
   * is not affected.
   */
  public void failEveryCall(Status.Code code) {
    failAll = code;
  }

  public int calls(String fullMethodName) {
    AtomicInteger n = calls.get(fullMethodName);
    return n == null ? 0 : n.get();
  }

  @Override
  public void close() {
    server.shutdown();
    try {
      if (!server.awaitTermination(5, TimeUnit.SECONDS)) {
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      server.shutdownNow();
      Thread.currentThread().interrupt();
    }
    timer.shutdownNow();
  }

  @Override
  public String toString() {
    return "grpc test server " + name + " on " + address();
  }

  private ServerServiceDefinition echo() {
    return ServerServiceDefinition.builder(GrpcEcho.SERVICE)
        .addMethod(GrpcEcho.UNARY, ServerCalls.asyncUnaryCall(this::unary))
        .addMethod(GrpcEcho.SERVER_STREAM, ServerCalls.asyncServerStreamingCall(this::serverStream))
        .addMethod(GrpcEcho.CLIENT_STREAM, ServerCalls.asyncClientStreamingCall(
            out -> collect(out, new StringBuilder(), false)))
        .addMethod(GrpcEcho.BIDI, ServerCalls.asyncBidiStreamingCall(
            out -> collect(out, null, true)))
        .build();
  }

  private void unary(byte[] request, StreamObserver<byte[]> out) {
    Steer fromPayload = Steer.ofPayload(GrpcEcho.text(request));
    Steer steer = fromPayload != null ? fromPayload : STEER.get();
    // An answer after the client gave up is dropped, not thrown.
    ((ServerCallStreamObserver<byte[]>) out).setOnCancelHandler(() -> { });
    Runnable answer = () -> {
      if (steer.status() != null) {
        out.onError(steer.status().asRuntimeException());
      } else {
        out.onNext(request);
        out.onCompleted();
      }
    };
    if (steer.sleepMs() > 0) {
      timer.schedule(answer, steer.sleepMs(), TimeUnit.MILLISECONDS);
    } else {
      answer.run();
    }
  }

  private void serverStream(byte[] request, StreamObserver<byte[]> out) {
    String text = GrpcEcho.text(request);
    int colon = text.indexOf(':');
    int n;
    try {
      n = Integer.parseInt(colon < 0 ? text.strip() : text.substring(0, colon).strip());
    } catch (NumberFormatException e) {
      out.onError(Status.INVALID_ARGUMENT
          .withDescription("request '" + text + "' (expected: \"N\" or \"N:text\")")
          .asRuntimeException());
      return;
    }
    String prefix = colon < 0 ? "" : text.substring(colon + 1) + " ";
    for (int i = 1; i <= n; i++) {
      out.onNext(GrpcEcho.utf8(prefix + i));
    }
    end(out, STEER.get());
  }

  /** ClientStream (concatenates into {@code all}) and Bidi ({@code echo}: each as it comes). */
  private StreamObserver<byte[]> collect(StreamObserver<byte[]> out, StringBuilder all,
      boolean echo) {
    Steer steer = STEER.get();
    return new StreamObserver<>() {
      @Override
      public void onNext(byte[] value) {
        if (echo) {
          out.onNext(value);
        } else {
          all.append(GrpcEcho.text(value));
        }
      }

      @Override
      public void onError(Throwable t) {
        // The client cancelled: nothing to answer.
      }

      @Override
      public void onCompleted() {
        if (all != null && steer.status() == null) {
          out.onNext(GrpcEcho.utf8(all.toString()));
        }
        end(out, steer);
      }
    };
  }

  private static void end(StreamObserver<byte[]> out, Steer steer) {
    if (steer.status() != null) {
      out.onError(steer.status().asRuntimeException());
    } else {
      out.onCompleted();
    }
  }

  /** Reads the steering metadata into the call's context. */
  private static final class Steering implements ServerInterceptor {
    @Override
    public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers,
        ServerCallHandler<Q, A> next) {
      Steer steer;
      try {
        steer = Steer.ofMetadata(headers);
      } catch (IllegalArgumentException e) {
        call.close(Status.INVALID_ARGUMENT.withDescription("bad steering metadata: "
            + e.getMessage()), new Metadata());
        return new ServerCall.Listener<>() { };
      }
      return Contexts.interceptCall(Context.current().withValue(STEER, steer), call, headers,
          next);
    }
  }

  /** Names this server in every answer's header and trailer; counts calls by method. */
  private final class ServedBy implements ServerInterceptor {
    @Override
    public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers,
        ServerCallHandler<Q, A> next) {
      calls.computeIfAbsent(call.getMethodDescriptor().getFullMethodName(),
          m -> new AtomicInteger()).incrementAndGet();
      Status.Code failing = failAll;
      if (failing != null && GrpcEcho.SERVICE.equals(call.getMethodDescriptor().getServiceName())) {
        Metadata trailers = new Metadata();
        trailers.put(GrpcEcho.SERVED_BY_KEY, name);
        call.close(Status.fromCode(failing).withDescription(name + " fails every call"), trailers);
        return new ServerCall.Listener<>() { };
      }
      return next.startCall(new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
        @Override
        public void sendHeaders(Metadata responseHeaders) {
          responseHeaders.put(GrpcEcho.SERVED_BY_KEY, name);
          super.sendHeaders(responseHeaders);
        }

        @Override
        public void close(Status status, Metadata trailers) {
          trailers.put(GrpcEcho.SERVED_BY_KEY, name);
          super.close(status, trailers);
        }
      }, headers);
    }
  }
}
