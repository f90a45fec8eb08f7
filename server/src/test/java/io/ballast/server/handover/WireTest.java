package io.ballast.server.handover;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.channel.unix.FileDescriptor;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

class WireTest {
  @Test
  void aSocketLineReadsBackAsWritten() throws Exception {
    HeldSocket v4 = new HeldSocket(HeldSocket.Kind.PROXY, "web",
        new InetSocketAddress("0.0.0.0", 8080), new FileDescriptor(999));
    assertThat(Wire.socket(v4)).isEqualTo("SOCKET proxy 0.0.0.0:8080 web");
    assertThat(Wire.parseSocket(Wire.socket(v4)))
        .isEqualTo(new Wire.Offer(HeldSocket.Kind.PROXY, v4.address(), "web"));

    HeldSocket v6 = new HeldSocket(HeldSocket.Kind.ADMIN, "admin",
        new InetSocketAddress("::1", 9901), new FileDescriptor(999));
    assertThat(Wire.socket(v6)).isEqualTo("SOCKET admin [0:0:0:0:0:0:0:1]:9901 admin");
    assertThat(Wire.parseSocket(Wire.socket(v6)).address()).isEqualTo(v6.address());
  }

  @Test
  void theConversationsLinesAreChecked() throws Exception {
    assertThat(Wire.parseHello(Wire.hello(4242))).isEqualTo(4242);
    assertThatThrownBy(() -> Wire.parseHello("HELLO ballast-handover/2 1"))
        .hasMessage("peer speaks ballast-handover/2, this ballast ballast-handover/1");
    assertThatThrownBy(() -> Wire.parseHello("GET / HTTP/1.1"))
        .hasMessage("expected HELLO, got 'GET / HTTP/1.1'");
    assertThat(Wire.parseSockets(Wire.sockets(3))).isEqualTo(3);
    assertThatThrownBy(() -> Wire.parseSockets(Wire.refused("another take-over is under way")))
        .hasMessage("the running ballast refused: another take-over is under way");
    assertThatThrownBy(() -> Wire.parseSockets("SOCKETS -1"))
        .hasMessage("not a count or pid in 'SOCKETS -1'");
    assertThatThrownBy(() -> Wire.parseSocket("SOCKET udp 1.2.3.4:53 dns"))
        .hasMessage("unknown socket kind 'udp' (expected: proxy or admin)");
    assertThatThrownBy(() -> Wire.parseSocket("SOCKET proxy example.com:80 web"))
        .hasMessage("address 'example.com:80' (expected: a literal IP address)");
    assertThat(Wire.parseVerdict(Wire.serving(7))).isTrue();
    assertThatThrownBy(() -> Wire.parseVerdict(Wire.abort("listener x: cannot bind\nreally")))
        .hasMessage("it failed to start: listener x: cannot bind really");
  }
}
