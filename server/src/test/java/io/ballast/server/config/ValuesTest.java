package io.ballast.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ballast.proxy.client.Cidr;
import io.ballast.proxy.probe.StatusRange;
import java.net.InetAddress;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ValuesTest {
  @Test
  void cidrWithAPrefixInsideAByte() throws Exception {
    Cidr cidr = Cidr.parse("172.16.0.0/12");
    assertThat(cidr.contains(InetAddress.getByName("172.31.255.255"))).isTrue();
    assertThat(cidr.contains(InetAddress.getByName("172.32.0.0"))).isFalse();
    assertThat(cidr.contains(InetAddress.getByName("::1"))).isFalse();
    assertThat(Cidr.parse("0.0.0.0/0").contains(InetAddress.getByName("8.8.8.8"))).isTrue();
    assertThatThrownBy(() -> Cidr.parse("172.17.0.0/12"))
        .hasMessage("'172.17.0.0/12' has host bits set (expected: 172.16.0.0/12)");
  }

  @Test
  void hostPortRoundTripsThroughToString() {
    for (String text : new String[] {"10.0.0.5:8080", "[::1]:9901", "api.internal:80", "[fd00::12]:0"}) {
      assertThat(HostPort.parse(text)).hasToString(text);
    }
    assertThat(HostPort.parse("[::1]:9901").isLoopback()).isTrue();
    assertThat(HostPort.parse("api.internal:80").ipAddress()).isEmpty();
    assertThatThrownBy(() -> HostPort.parse("host:-1"))
        .hasMessage("'host:-1': port '-1' is not a number (expected: 0..65535)");
  }

  @Test
  void durationsAndSizes() {
    assertThat(Units.parseDuration("250ms")).isEqualTo(Duration.ofMillis(250));
    assertThat(Units.parseDuration("90s")).isEqualTo(Duration.ofSeconds(90));
    assertThat(Units.format(Duration.ofMillis(1500))).isEqualTo("1500ms");
    assertThat(Units.format(Duration.ofSeconds(120))).isEqualTo("2m");
    assertThat(Units.parseSize("8KiB")).isEqualTo(8192);
    assertThat(Units.parseSize("1GiB")).isEqualTo(1L << 30);
    assertThatThrownBy(() -> Units.parseDuration("2d")).hasMessageStartingWith("'2d' is not a duration");
  }

  @Test
  void statusRanges() {
    assertThat(StatusRange.parse("204")).isEqualTo(new StatusRange(204, 204));
    assertThat(StatusRange.parse("200-299").contains(299)).isTrue();
    assertThat(StatusRange.parse("200-299").contains(300)).isFalse();
    assertThat(StatusRanges.DEFAULT).hasToString("200-399");
  }

  @Test
  void editDistanceDrivesSuggestions() {
    assertThat(Section.distance("wieght", "weight")).isEqualTo(2);
    assertThat(Section.distance("timeout", "timeouts")).isEqualTo(1);
    assertThat(Section.distance("", "abc")).isEqualTo(3);
  }
}
