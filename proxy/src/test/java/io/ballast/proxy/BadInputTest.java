package io.ballast.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ballast.core.pick.Algorithm;
import io.ballast.core.pool.HealthSettings;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Malformed and smuggling-prone requests: refused with the right status, closed, never sent. */
class BadInputTest {
  private static ProxyFixture f;

  @BeforeAll
  static void start() {
    f = new ProxyFixture(ProxySettings.defaults().withLimits(256, 1024), Algorithm.ROUND_ROBIN,
        HealthSettings.PASSIVE_ONLY, 1);
  }

  @AfterAll
  static void stop() {
    f.close();
  }

  static Stream<Arguments> badRequests() {
    String h = "Host: x\r\n";
    return Stream.of(
        Arguments.of("garbage request line", "GARBAGE\r\n\r\n", 400),
        Arguments.of("bad version", "GET / FOO/1.1\r\n" + h + "\r\n", 400),
        Arguments.of("http/2.0 over http/1 framing", "GET / HTTP/2.0\r\n" + h + "\r\n", 505),
        Arguments.of("bare LF line ends", "GET / HTTP/1.1\n" + h.replace("\r", "") + "\n", 400),
        Arguments.of("space before colon", "GET / HTTP/1.1\r\nHost : x\r\n\r\n", 400),
        Arguments.of("tab before colon",
            "POST / HTTP/1.1\r\n" + h + "Transfer-Encoding\t: chunked\r\n\r\n0\r\n\r\n", 400),
        Arguments.of("obs-fold", "GET / HTTP/1.1\r\n" + h + "X-A: a\r\n b\r\n\r\n", 400),
        Arguments.of("obs-fold with tab", "GET / HTTP/1.1\r\n" + h + "X-A: a\r\n\tb\r\n\r\n", 400),
        Arguments.of("NUL in value", "GET / HTTP/1.1\r\n" + h + "X-A: a\0b\r\n\r\n", 400),
        Arguments.of("CR in value", "GET / HTTP/1.1\r\n" + h + "X-A: a\rb\r\n\r\n", 400),
        Arguments.of("no colon", "GET / HTTP/1.1\r\n" + h + "NoColon\r\n\r\n", 400),
        Arguments.of("missing host", "GET / HTTP/1.1\r\n\r\n", 400),
        Arguments.of("two hosts", "GET / HTTP/1.1\r\n" + h + "Host: y\r\n\r\n", 400),
        Arguments.of("CL and TE",
            "POST / HTTP/1.1\r\n" + h + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "0\r\n\r\n", 400),
        Arguments.of("different CLs",
            "POST / HTTP/1.1\r\n" + h + "Content-Length: 1\r\nContent-Length: 2\r\n\r\nab", 400),
        Arguments.of("CL list that differs",
            "POST / HTTP/1.1\r\n" + h + "Content-Length: 1, 2\r\n\r\nab", 400),
        Arguments.of("negative CL", "POST / HTTP/1.1\r\n" + h + "Content-Length: -1\r\n\r\n", 400),
        Arguments.of("signed CL", "POST / HTTP/1.1\r\n" + h + "Content-Length: +1\r\n\r\na", 400),
        Arguments.of("TE chunked, identity",
            "POST / HTTP/1.1\r\n" + h + "Transfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n",
            400),
        Arguments.of("TE gzip, chunked",
            "POST / HTTP/1.1\r\n" + h + "Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", 400),
        Arguments.of("TE xchunked",
            "POST / HTTP/1.1\r\n" + h + "Transfer-Encoding: xchunked\r\n\r\n0\r\n\r\n", 400),
        Arguments.of("TE chunked twice",
            "POST / HTTP/1.1\r\n" + h + "Transfer-Encoding: chunked\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
        Arguments.of("TE Chunked in a list",
            "POST / HTTP/1.1\r\n" + h + "Transfer-Encoding: identity, Chunked\r\n\r\n0\r\n\r\n",
            400),
        Arguments.of("TE with vertical tab",
            "POST / HTTP/1.1\r\n" + h + "Transfer-Encoding: \u000bchunked\r\n\r\n0\r\n\r\n", 400),
        Arguments.of("TE in HTTP/1.0",
            "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
        Arguments.of("CONNECT", "CONNECT x:443 HTTP/1.1\r\n" + h + "\r\n", 405),
        Arguments.of("request line too long",
            "GET /" + "a".repeat(300) + " HTTP/1.1\r\n" + h + "\r\n", 414),
        Arguments.of("headers too large",
            "GET / HTTP/1.1\r\n" + h + "X-Big: " + "b".repeat(2000) + "\r\n\r\n", 431),
        // The request line, byte by byte (RequestLineCheck).
        Arguments.of("NUL in target", "GET /a\0b HTTP/1.1\r\n" + h + "\r\n", 400),
        Arguments.of("SOH in target", "GET /a\u0001b HTTP/1.1\r\n" + h + "\r\n", 400),
        Arguments.of("DEL in target", "GET /a\u007fb HTTP/1.1\r\n" + h + "\r\n", 400),
        Arguments.of("VT in target", "GET /a\u000bb HTTP/1.1\r\n" + h + "\r\n", 400),
        Arguments.of("tab in target", "GET /a\tb HTTP/1.1\r\n" + h + "\r\n", 400),
        Arguments.of("non-ascii in target", "GET /caf\u00e9 HTTP/1.1\r\n" + h + "\r\n", 400),
        Arguments.of("two spaces before target", "GET  / HTTP/1.1\r\n" + h + "\r\n", 400),
        Arguments.of("two spaces before version", "GET /  HTTP/1.1\r\n" + h + "\r\n", 400),
        Arguments.of("lower-case version", "GET / http/1.1\r\n" + h + "\r\n", 400),
        Arguments.of("two-digit minor", "GET / HTTP/1.10\r\n" + h + "\r\n", 400),
        Arguments.of("leading zero major", "GET / HTTP/01.1\r\n" + h + "\r\n", 400),
        Arguments.of("space after version", "GET / HTTP/1.1 \r\n" + h + "\r\n", 400),
        Arguments.of("junk after version", "GET / HTTP/1.1 x\r\n" + h + "\r\n", 400),
        Arguments.of("no version", "GET /\r\n" + h + "\r\n", 400),
        Arguments.of("HTTP/3.0", "GET / HTTP/3.0\r\n" + h + "\r\n", 505),
        Arguments.of("HTTP/0.9 spelled out", "GET / HTTP/0.9\r\n" + h + "\r\n", 505),
        // Host values (HostSyntax).
        Arguments.of("host with space", "GET / HTTP/1.1\r\nHost: a b\r\n\r\n", 400),
        Arguments.of("host with empty port", "GET / HTTP/1.1\r\nHost: a.example:\r\n\r\n", 400),
        Arguments.of("host with port 65536",
            "GET / HTTP/1.1\r\nHost: a.example:65536\r\n\r\n", 400),
        Arguments.of("host with letters in port",
            "GET / HTTP/1.1\r\nHost: a.example:8o\r\n\r\n", 400),
        Arguments.of("host with userinfo",
            "GET / HTTP/1.1\r\nHost: user@a.example\r\n\r\n", 400),
        Arguments.of("host with a path", "GET / HTTP/1.1\r\nHost: a.example/x\r\n\r\n", 400),
        Arguments.of("host that is only a port", "GET / HTTP/1.1\r\nHost: :80\r\n\r\n", 400),
        Arguments.of("unclosed ipv6 literal", "GET / HTTP/1.1\r\nHost: [::1\r\n\r\n", 400),
        Arguments.of("bad ipv6 literal", "GET / HTTP/1.1\r\nHost: [1:2:3]\r\n\r\n", 400),
        Arguments.of("bad percent-encoding", "GET / HTTP/1.1\r\nHost: a%zz\r\n\r\n", 400),
        Arguments.of("two hosts in HTTP/1.0", "GET / HTTP/1.0\r\n" + h + "Host: y\r\n\r\n", 400),
        // Target forms (RequestTarget).
        Arguments.of("absolute-form with userinfo",
            "GET http://user@a.example/x HTTP/1.1\r\n" + h + "\r\n", 400),
        Arguments.of("absolute-form with empty host", "GET http:///x HTTP/1.1\r\n" + h + "\r\n",
            400),
        Arguments.of("absolute-form with bad port",
            "GET http://a.example:99999/x HTTP/1.1\r\n" + h + "\r\n", 400),
        Arguments.of("absolute-form of another scheme",
            "GET ftp://a.example/x HTTP/1.1\r\n" + h + "\r\n", 400),
        Arguments.of("absolute-form without authority",
            "GET http:/x HTTP/1.1\r\n" + h + "\r\n", 400),
        Arguments.of("relative target", "GET x HTTP/1.1\r\n" + h + "\r\n", 400),
        Arguments.of("asterisk for GET", "GET * HTTP/1.1\r\n" + h + "\r\n", 400));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badRequests")
  void refusedClosedAndNeverForwarded(String name, String request, int status) throws Exception {
    int before = f.requestsReceived();
    int logsBefore = f.logs.size();
    int refusalsBefore = f.refusals.size();
    String response = f.raw(request);
    assertThat(response).startsWith("HTTP/1.1 " + status + " ");
    assertThat(response).contains("connection: close");
    assertThat(f.requestsReceived()).isEqualTo(before);
    await().until(() -> f.logs.size() == logsBefore + 1);
    RequestLog log = f.logs.stream().skip(logsBefore).findFirst().orElseThrow();
    assertThat(log.status()).isEqualTo(status);
    // Counted with a reason that never quotes the request: the log's, or its fixed part.
    String refusal = f.refusals.stream().skip(refusalsBefore).findFirst().orElseThrow();
    assertThat(refusal).startsWith(status + " ");
    String reason = refusal.substring(4);
    assertThat(log.error()).startsWith(reason);
    assertThat(reason.equals(log.error()) || reason.equals("malformed request")).isTrue();
  }

  @Test
  void badChunkAbortsTheStreamedRequest() throws Exception {
    // The head was valid and is streamed at once; the broken body aborts the exchange: the client
    // gets 400 and a close, and the backend connection is closed so the partial request dies.
    String response = f.raw("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
        + "zz\r\n\r\n");
    assertThat(response).startsWith("HTTP/1.1 400 ").contains("connection: close");
    await().until(() -> f.members.get(0).load().inFlight() == 0);
    await().until(() -> f.logs.stream().anyMatch(
        l -> l.status() == 400 && l.error() != null && l.error().contains("body")));
  }

  @Test
  void identicalDuplicateContentLengthsAreFolded() throws Exception {
    String response = f.raw("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n"
        + "Content-Length: 2\r\nConnection: close\r\n\r\nab");
    assertThat(response).startsWith("HTTP/1.1 200").contains("x-body-size: 2");
    assertThat(f.backends.get(0).lastHeaders.get("content-length")).isEqualTo("2");
  }

  @Test
  void smuggledSecondRequestInBodyIsJustBody() throws Exception {
    int before = f.requestsReceived();
    String body = "GET /status/500 HTTP/1.1\r\nHost: x\r\n\r\n";
    String response = f.raw("POST /echo HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
        + "Content-Length: " + body.length() + "\r\n\r\n" + body);
    assertThat(response).startsWith("HTTP/1.1 200").contains("x-body-size: " + body.length());
    assertThat(f.requestsReceived()).isEqualTo(before + 1);
  }
}
