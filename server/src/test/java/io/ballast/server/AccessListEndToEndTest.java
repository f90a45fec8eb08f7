package io.ballast.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ballast.server.reload.ReloadResult;
import io.ballast.server.testing.Calls;
import io.ballast.server.testing.TestBackend;
import io.ballast.server.testing.TestBackends;
import io.ballast.server.testing.YamlRun;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * IP access lists through a real ballast started from YAML, with real connections from
 * 127.0.0.1: a listener that refuses the address closes the connection at accept; behind a
 * trusted proxy the forwarded client is judged per request (403); a route's own list; lists
 * from files, changed live by a reload.
 */
class AccessListEndToEndTest {
  private static final String TOKEN = "access-test-token-0123456789";
  @AutoClose
  final TestBackends backends = new TestBackends();
  private final Calls calls = new Calls(TOKEN);
  @AutoClose
  final YamlRun run = new YamlRun();
  @TempDir
  Path dir;

  private void start(String config) throws Exception {
    calls.to(run.start(dir, config));
  }

  private String config(TestBackend app, String listenerExtra, String routeExtra, String top) {
    return """
        listeners:
          - name: web
            bind: "127.0.0.1:0"
        %s
            routes:
              - name: internal
                match: {path: {prefix: /internal}}
                pool: app
        %s
              - name: rest
                pool: app
        pools:
          - {name: app, backends: [{address: "%s"}]}
        admin:
          bind: "127.0.0.1:0"
          token: "%s"
        %s
        """.formatted(listenerExtra.indent(4).stripTrailing(), routeExtra.indent(8).stripTrailing(),
            app.address(), TOKEN, top);
  }

  /** A raw request from 127.0.0.1: the status line, or null when the connection just closed. */
  private String raw(String xff) throws Exception {
    InetSocketAddress a = run.ballast().proxyAddresses().get(0);
    try (Socket s = new Socket(a.getAddress(), a.getPort())) {
      s.setSoTimeout(5000);
      OutputStream out = s.getOutputStream();
      out.write(("GET / HTTP/1.1\r\nHost: x\r\n" + (xff == null ? "" : "X-Forwarded-For: " + xff
          + "\r\n") + "Connection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      InputStream in = s.getInputStream();
      String all = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
      return all.isEmpty() ? null : all.substring(0, all.indexOf("\r\n"));
    } catch (java.net.SocketException reset) {
      return null;
    }
  }

  @Test
  void aRefusedAddressIsClosedAtAcceptAndCounted() throws Exception {
    TestBackend app = backends.start("app");
    start(config(app, "access: {deny: [\"127.0.0.0/8\"]}", "", ""));
    assertThat(raw(null)).isNull();
    assertThat(raw(null)).isNull();
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(calls.metrics().get(
        "lb_client_connections_refused_total", Map.of("listener", "web", "reason", "access_list")))
        .isEqualTo(2));
    assertThat(app.requests()).isZero();
  }

  @Test
  void behindATrustedProxyTheForwardedClientIsJudgedPerRequest() throws Exception {
    TestBackend app = backends.start("app");
    start(config(app, "access: {allow: [\"10.0.0.0/8\"], deny: [\"10.6.6.6\"]}",
        "access: {allow: [\"10.1.0.0/16\"]}",
        "forwarding: {trusted_proxies: [\"127.0.0.1\"]}"));
    assertThat(raw("10.2.3.4")).isEqualTo("HTTP/1.1 200 OK");
    assertThat(raw("10.6.6.6")).isEqualTo("HTTP/1.1 403 Forbidden");
    assertThat(raw("192.0.2.1")).isEqualTo("HTTP/1.1 403 Forbidden");
    // The proxy itself, forwarding for nobody, is not on the list either.
    assertThat(raw(null)).isEqualTo("HTTP/1.1 403 Forbidden");
    // The route's own list narrows it further.
    assertThat(calls.get("/internal/x", "X-Forwarded-For", "10.1.2.3").statusCode())
        .isEqualTo(200);
    assertThat(calls.get("/internal/x", "X-Forwarded-For", "10.2.3.4").statusCode())
        .isEqualTo(403);
    assertThat(app.requests()).isEqualTo(2);
  }

  @Test
  void listsFromFilesFollowAReload() throws Exception {
    TestBackend app = backends.start("app");
    Path deny = dir.resolve("deny.txt");
    Files.writeString(deny, "# nobody yet\n\n");
    start(config(app, "access: {deny_file: deny.txt}", "",
        "forwarding: {trusted_proxies: [\"127.0.0.1\"]}"));
    assertThat(raw("203.0.113.9")).isEqualTo("HTTP/1.1 200 OK");

    Files.writeString(deny, "# abuse, 2026-12-07\n203.0.113.0/24  # a whole network\n");
    ReloadResult r = run.reload();
    assertThat(r).isInstanceOf(ReloadResult.Applied.class);
    assertThat(raw("203.0.113.9")).isEqualTo("HTTP/1.1 403 Forbidden");
    assertThat(raw("198.51.100.1")).isEqualTo("HTTP/1.1 200 OK");

    // A bad entry: the reload is refused with the file's line, and the old list keeps serving.
    Files.writeString(deny, "203.0.113.0/24\n10.0.0.1/8\n");
    ReloadResult bad = run.reload();
    assertThat(bad).isInstanceOf(ReloadResult.Invalid.class);
    assertThat(bad.toString()).contains("listeners[0].access.deny_file")
        .contains("deny.txt:2: '10.0.0.1/8' has host bits set (expected: 10.0.0.0/8)");
    assertThat(raw("203.0.113.9")).isEqualTo("HTTP/1.1 403 Forbidden");
    assertThat(raw("198.51.100.1")).isEqualTo("HTTP/1.1 200 OK");
  }
}
