package io.ballast.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.ballast.core.Backend;
import io.ballast.proxy.probe.GrpcHealthProbe;
import io.ballast.proxy.probe.HealthCheckSpec;
import io.ballast.proxy.probe.HealthProto;
import io.ballast.proxy.probe.ProbeTask;
import io.ballast.proxy.tls.BackendTls;
import io.ballast.proxy.tls.TestCertificates;
import io.ballast.proxy.tls.TlsSettings;
import io.ballast.server.testing.GrpcEcho;
import io.ballast.server.testing.GrpcTestServer;
import io.ballast.server.testing.NginxTlsBackend;
import io.ballast.server.testing.TestBackend;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One {@link GrpcHealthProbe} at a time against real servers on loopback: grpc-java with its
 * standard health service (cleartext and TLS), grpc-java without it, an HTTP/1.1 server, a port
 * that answers nothing and one that refuses; each verdict and its reason, exactly. The
 * hand-written protobuf is also held against protobuf-java's own encoding.
 */
class GrpcHealthProbeTest {
  /** Generous: the first answer of a JVM's first JDK HTTP server can take a second. */
  private static final Duration TIMEOUT = Duration.ofSeconds(3);
  private final EventLoopGroup group =
      new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
  private GrpcTestServer server;
  @TempDir Path dir;

  private record Verdict(boolean passed, String detail) {}

  @AfterEach
  void tearDown() throws Exception {
    if (server != null) {
      server.close();
    }
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
  }

  private Verdict probe(int port, String service, BackendTls tls) throws Exception {
    return probe(port, service, tls, TIMEOUT);
  }

  /** One probe of {@code service} on 127.0.0.1:{@code port}. */
  private Verdict probe(int port, String service, BackendTls tls, Duration timeout)
      throws Exception {
    HealthCheckSpec spec = HealthCheckSpec.grpc(service, Duration.ofSeconds(30), timeout);
    Backend backend = new Backend("b", "127.0.0.1", port, 1);
    CompletableFuture<Verdict> verdict = new CompletableFuture<>();
    ProbeTask task = new ProbeTask(backend, port, group, spec.interval(), spec.timeout(),
        () -> false, t -> new GrpcHealthProbe(t, spec, tls,
            (passed, detail) -> verdict.complete(new Verdict(passed, detail))));
    task.start(true);
    try {
      return verdict.get(10, TimeUnit.SECONDS);
    } finally {
      task.stop();
    }
  }

  private Verdict probe(String service) throws Exception {
    return probe(server.port(), service, null);
  }

  @Test
  void servingPasses() throws Exception {
    server = GrpcTestServer.start("a");
    assertThat(probe(GrpcEcho.SERVICE)).isEqualTo(new Verdict(true, "SERVING"));
    assertThat(probe("")).isEqualTo(new Verdict(true, "SERVING"));
    assertThat(server.calls("grpc.health.v1.Health/Check")).isEqualTo(2);
  }

  @Test
  void notServingAndServiceUnknownFail() throws Exception {
    server = GrpcTestServer.start("a");
    server.health(GrpcEcho.SERVICE, ServingStatus.NOT_SERVING);
    assertThat(probe(GrpcEcho.SERVICE)).isEqualTo(new Verdict(false, "NOT_SERVING"));
    server.health(GrpcEcho.SERVICE, ServingStatus.SERVICE_UNKNOWN);
    assertThat(probe(GrpcEcho.SERVICE)).isEqualTo(new Verdict(false, "SERVICE_UNKNOWN"));
    // The whole server's status is its own.
    assertThat(probe("")).isEqualTo(new Verdict(true, "SERVING"));
  }

  @Test
  void anUnknownServiceIsNotFound() throws Exception {
    server = GrpcTestServer.start("a");
    assertThat(probe("no.such.Service")).isEqualTo(
        new Verdict(false, "grpc status 5 NOT_FOUND (unknown service \"no.such.Service\")"));
  }

  @Test
  void aServerWithoutTheHealthServiceIsUnimplemented() throws Exception {
    server = GrpcTestServer.builder("bare").withoutHealth().start();
    assertThat(probe(GrpcEcho.SERVICE)).isEqualTo(
        new Verdict(false, "grpc status 12 UNIMPLEMENTED (no health service)"));
  }

  @Test
  void anHttp1BackendIsNamedAsSuch() throws Exception {
    try (TestBackend http1 = new TestBackend("h1")) {
      assertThat(probe(http1.port(), "", null))
          .isEqualTo(new Verdict(false, "backend speaks HTTP/1.1, not HTTP/2"));
    }
  }

  @Test
  void aSilentBackendTimesOutAndAStoppedOneRefuses() throws Exception {
    try (ServerSocket silent = new ServerSocket(0, 8, InetAddress.getLoopbackAddress())) {
      assertThat(probe(silent.getLocalPort(), "", null, Duration.ofMillis(300)))
          .isEqualTo(new Verdict(false, "timeout after 300 ms"));
    }
    server = GrpcTestServer.start("a");
    int port = server.port();
    server.close();
    server = null;
    assertThat(probe(port, "", null)).isEqualTo(new Verdict(false, "connect refused"));
  }

  @Test
  void overTlsWithAlpnH2AndTheCertificateVerified() throws Exception {
    TestCertificates certs = new TestCertificates(dir);
    TestCertificates.Pair pair = certs.rsaServer("grpc", "grpc.test", "127.0.0.1");
    server = GrpcTestServer.builder("tls").tls(pair.cert(), pair.key()).start();
    BackendTls trusting = BackendTls.build(new BackendTls.Settings(certs.ca(), true, null, null,
        null, TlsSettings.Provider.AUTO));
    assertThat(probe(server.port(), GrpcEcho.SERVICE, trusting))
        .isEqualTo(new Verdict(true, "SERVING"));
    server.health(GrpcEcho.SERVICE, ServingStatus.NOT_SERVING);
    assertThat(probe(server.port(), GrpcEcho.SERVICE, trusting))
        .isEqualTo(new Verdict(false, "NOT_SERVING"));

    // The JDK's CAs do not know the test CA.
    BackendTls jdkCas = BackendTls.build(new BackendTls.Settings(null, true, null, null, null,
        TlsSettings.Provider.AUTO));
    Verdict untrusted = probe(server.port(), GrpcEcho.SERVICE, jdkCas);
    assertThat(untrusted.passed()).isFalse();
    assertThat(untrusted.detail()).startsWith("TLS handshake failed: ");

    // Cleartext h2 to a TLS port: the server hangs up on bytes that are no TLS record.
    Verdict cleartext = probe(server.port(), GrpcEcho.SERVICE, null);
    assertThat(cleartext.passed()).isFalse();
  }

  /** NGINX's TLS server without http2: it ends a handshake that offers only h2. */
  @Test
  void aTlsBackendWithoutH2IsRefusedAtTheHandshake() throws Exception {
    TestCertificates certs = new TestCertificates(dir);
    TestCertificates.Pair pair = certs.rsaServer("nginx", "nginx.test", "127.0.0.1");
    try (NginxTlsBackend nginx = new NginxTlsBackend(dir.resolve("nginx"), pair.cert(),
        pair.key(), null)) {
      BackendTls tls = BackendTls.build(new BackendTls.Settings(certs.ca(), true, null, null,
          null, TlsSettings.Provider.AUTO));
      Verdict v = probe(nginx.port(), "", tls);
      assertThat(v).isEqualTo(new Verdict(false, "TLS handshake failed: the backend does not"
          + " offer h2 by ALPN (alert no_application_protocol)"));
    }
  }

  @Test
  void theHandWrittenProtobufIsProtobufs() throws Exception {
    for (String service : new String[] {"", "a", "ballast.test.Echo", "é€", "x".repeat(300)}) {
      assertThat(HealthProto.request(service)).as(service).isEqualTo(
          HealthCheckRequest.newBuilder().setService(service).build().toByteArray());
    }
    for (ServingStatus s : new ServingStatus[] {ServingStatus.UNKNOWN, ServingStatus.SERVING,
        ServingStatus.NOT_SERVING, ServingStatus.SERVICE_UNKNOWN}) {
      byte[] wire = HealthCheckResponse.newBuilder().setStatus(s).build().toByteArray();
      assertThat(HealthProto.status(wire)).isEqualTo(s.getNumber());
      assertThat(HealthProto.statusName(s.getNumber())).isEqualTo(s.name());
    }
  }
}
