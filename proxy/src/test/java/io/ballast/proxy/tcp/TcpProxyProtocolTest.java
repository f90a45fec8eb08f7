package io.ballast.proxy.tcp;

import static io.ballast.proxy.tcp.SniRoutingTest.readAfterClose;
import static io.ballast.proxy.tcp.SniRoutingTest.whereAndEcho;
import static io.ballast.proxy.tcp.TcpFixture.firstLine;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ballast.proxy.LeakWatch;
import io.ballast.proxy.client.AccessList;
import io.ballast.proxy.client.Cidr;
import io.ballast.proxy.client.CidrSet;
import io.ballast.proxy.proxyprotocol.ProxyProtocolSpec;
import java.io.ByteArrayOutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * TCP listeners behind front balancers that send the PROXY protocol, through the real path on
 * loopback with hand-written headers (real HAProxy in front is the server module's test): the
 * client a header names becomes the connection's client (its log, its access list, the header
 * a pool sends onward), what follows the header reaches the backend first and once, and each
 * header that is refused is counted and reaches nothing.
 */
class TcpProxyProtocolTest {
  private static final byte[] V2_SIGNATURE =
      {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};
  private LeakWatch leaks;

  @BeforeEach
  void watchLeaks() {
    leaks = LeakWatch.install();
  }

  @AfterEach
  void noLeaks() {
    assertThat(leaks.leaks()).isEmpty();
  }

  private static ProxyProtocolSpec from(String network, Duration timeout) {
    return new ProxyProtocolSpec(new CidrSet(List.of(Cidr.parse(network))), timeout);
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  private static byte[] v1(String source, int port) {
    return ("PROXY TCP4 " + source + " 127.0.0.1 " + port + " 443\r\n")
        .getBytes(StandardCharsets.US_ASCII);
  }

  /** A version 2 PROXY TCP4 header naming 198.51.100.7:4444 as the source. */
  private static byte[] v2() {
    return concat(V2_SIGNATURE, new byte[] {0x21, 0x11, 0x00, 12,
        (byte) 198, 51, 100, 7, 127, 0, 0, 1, 0x11, 0x5c, 0x01, (byte) 0xbb});
  }

  @Test
  void theClientAHeaderNamesIsTheClientOfTheLogAndOfTheHeaderSentOn() throws Exception {
    try (SniFixture f = new SniFixture("v1", "plain")) {
      f.listen(new SniSpec(List.of(new SniRoute(List.of("db.test"), f.pool("v1"))),
          f.pool("plain"), null), from("127.0.0.1/32", null), null);
      byte[] hello = ClientHellos.of("db.test");
      try (Socket s = f.connect()) {
        // The header and the ClientHello in one write, as a front balancer sends them.
        s.getOutputStream().write(concat(v1("203.0.113.9", 5555), hello));
        // The pool sends its own header first, naming the client the front balancer named.
        byte[] onward = ("PROXY TCP4 203.0.113.9 127.0.0.1 5555 " + f.address.getPort()
            + "\r\n").getBytes(StandardCharsets.US_ASCII);
        assertThat(whereAndEcho(s, concat(onward, hello))).isEqualTo("v1");
      }
      // Version 2, then a ClientHello without a name: the default pool, the client named.
      byte[] noName = ClientHellos.of(null);
      try (Socket s = f.connect()) {
        s.getOutputStream().write(v2());
        s.getOutputStream().flush();
        Thread.sleep(50);
        s.getOutputStream().write(noName);
        assertThat(whereAndEcho(s, noName)).isEqualTo("plain");
      }
      await().atMost(Duration.ofSeconds(5)).until(() -> f.logs.size() == 2);
      assertThat(f.logs).filteredOn(l -> "db.test".equals(l.serverName())).singleElement()
          .satisfies(l -> {
            assertThat(l.clientAddress()).isEqualTo("203.0.113.9");
            assertThat(l.clientPort()).isEqualTo(5555);
          });
      assertThat(f.logs).filteredOn(l -> l.serverName() == null).singleElement()
          .satisfies(l -> {
            assertThat(l.clientAddress()).isEqualTo("198.51.100.7");
            assertThat(l.clientPort()).isEqualTo(4444);
          });
      assertThat(f.refused).isEmpty();
    }
  }

  @Test
  void withoutSniWhatFollowsTheHeaderGoesFirstAndALocalHeaderKeepsThePeer() throws Exception {
    try (SniFixture f = new SniFixture("plain")) {
      f.address = f.proxy.tcp().add(f.spec(null, from("127.0.0.0/8", null), null,
          f.pool("plain")));
      byte[] request = "PING\r\n".getBytes(StandardCharsets.US_ASCII);
      try (Socket s = f.connect()) {
        s.getOutputStream().write(concat(v1("192.0.2.1", 1234), request));
        assertThat(whereAndEcho(s, request)).isEqualTo("plain");
      }
      // LOCAL: the front balancer's own connection (its health check), a client of its own.
      try (Socket s = f.connect()) {
        s.getOutputStream().write(concat(V2_SIGNATURE, new byte[] {0x20, 0x00, 0x00, 0x00}));
        assertThat(firstLine(s)).isEqualTo("plain");
        s.getOutputStream().write(request);
        assertThat(s.getInputStream().readNBytes(request.length)).isEqualTo(request);
      }
      await().atMost(Duration.ofSeconds(5)).until(() -> f.logs.size() == 2);
      assertThat(f.logs).extracting(TcpConnectionLog::clientAddress)
          .containsExactlyInAnyOrder("192.0.2.1", "127.0.0.1");
      assertThat(f.logs).allSatisfy(l -> assertThat(l.bytesFromClient())
          .isEqualTo(request.length));
    }
  }

  @Test
  void refusedHeadersAndClientsAreCountedAndReachNothing() throws Exception {
    try (SniFixture f = new SniFixture("plain")) {
      AccessList denyOne = new AccessList(CidrSet.EMPTY,
          new CidrSet(List.of(Cidr.parse("192.0.2.66/32"))));
      f.address = f.proxy.tcp().add(f.spec(null, from("127.0.0.1/32", Duration.ofMillis(500)),
          denyOne, f.pool("plain")));
      // The access list judges the client the header names.
      try (Socket s = f.connect()) {
        s.getOutputStream().write(concat(v1("192.0.2.66", 1), "x".getBytes()));
        assertThat(readAfterClose(s)).isNegative();
      }
      // A binary header of an unknown version.
      try (Socket s = f.connect()) {
        s.getOutputStream().write(concat(V2_SIGNATURE, new byte[] {0x31, 0x11, 0x00, 12},
            new byte[12]));
        assertThat(readAfterClose(s)).isNegative();
      }
      // No header within the timeout.
      try (Socket s = f.connect()) {
        assertThat(readAfterClose(s)).isNegative();
      }
      await().atMost(Duration.ofSeconds(5)).until(() -> f.refused.size() == 3);
      assertThat(f.refused).containsExactly("access_list", "proxy_protocol_malformed",
          "proxy_protocol_timeout");

      // A peer outside accept_from: closed at accept.
      f.proxy.tcp().replace(f.spec(null, from("10.0.0.0/8", null), null, f.pool("plain")));
      try (Socket s = f.connect()) {
        s.getOutputStream().write(v1("192.0.2.1", 1));
        assertThat(readAfterClose(s)).isNegative();
      }
      await().atMost(Duration.ofSeconds(5)).until(() -> f.refused.size() == 4);
      assertThat(f.refused).last().isEqualTo("proxy_protocol_untrusted");
      // None was a connection of the listener's: no log, no backend.
      assertThat(f.logs).isEmpty();
      assertThat(f.accepted()).isZero();
      assertThat(f.proxy.tcp().openConnections()).isZero();
    }
  }
}
