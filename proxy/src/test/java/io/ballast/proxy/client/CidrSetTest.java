package io.ballast.proxy.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class CidrSetTest {
  private static CidrSet set(String... cidrs) {
    return new CidrSet(List.of(cidrs).stream().map(Cidr::parse).toList());
  }

  private static InetAddress ip(String s) throws Exception {
    return InetAddress.getByName(s);
  }

  @Test
  void theWorkedExample() throws Exception {
    CidrSet s = set("10.0.0.0/9", "10.128.0.0/9", "10.1.0.0/16", "192.168.1.7");
    assertThat(s.contains(ip("10.0.0.0"))).isTrue();
    assertThat(s.contains(ip("10.200.1.1"))).isTrue();
    assertThat(s.contains(ip("10.255.255.255"))).isTrue();
    assertThat(s.contains(ip("11.0.0.0"))).isFalse();
    assertThat(s.contains(ip("9.255.255.255"))).isFalse();
    assertThat(s.contains(ip("192.168.1.7"))).isTrue();
    assertThat(s.contains(ip("192.168.1.8"))).isFalse();
    assertThat(s.contains(ip("::ffff:10.2.3.4"))).isTrue();
    assertThat(s.contains(ip("2001:db8::1"))).isFalse();
    assertThat(s.contains(null)).isFalse();
  }

  @Test
  void ipv6RangesAndTheirEdges() throws Exception {
    CidrSet s = set("2001:db8::/32", "fd00::/8", "::1", "2001:db8:ffff:ffff::/64");
    assertThat(s.contains(ip("2001:db8::"))).isTrue();
    assertThat(s.contains(ip("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff"))).isTrue();
    assertThat(s.contains(ip("2001:db9::"))).isFalse();
    assertThat(s.contains(ip("2001:db7:ffff:ffff:ffff:ffff:ffff:ffff"))).isFalse();
    assertThat(s.contains(ip("fdff::1"))).isTrue();
    assertThat(s.contains(ip("fe00::"))).isFalse();
    assertThat(s.contains(ip("::1"))).isTrue();
    assertThat(s.contains(ip("::2"))).isFalse();
    assertThat(s.contains(ip("10.0.0.1"))).isFalse();
    CidrSet all = set("::/0", "0.0.0.0/0");
    assertThat(all.contains(ip("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"))).isTrue();
    assertThat(all.contains(ip("255.255.255.255"))).isTrue();
    assertThat(all.contains(ip("0.0.0.0"))).isTrue();
  }

  /** Thousands of random networks: the same answer as asking each network, for random probes. */
  @Test
  void agreesWithAScanOfEveryNetwork() throws Exception {
    Random rnd = new Random(42);
    List<Cidr> networks = new ArrayList<>();
    for (int i = 0; i < 3000; i++) {
      byte[] a = randomAddress(rnd);
      boolean v6 = a.length == 16;
      int prefix = v6 ? 24 + rnd.nextInt(105) : 16 + rnd.nextInt(17);
      InetAddress addr = InetAddress.getByAddress(a);
      byte[] masked = addr.getAddress();
      for (int b = 0; b < masked.length; b++) {
        int keep = Math.max(0, Math.min(8, prefix - b * 8));
        masked[b] &= (byte) (0xFF << (8 - keep));
      }
      networks.add(new Cidr(InetAddress.getByAddress(masked), prefix));
    }
    CidrSet set = new CidrSet(networks);
    int inside = 0;
    for (int i = 0; i < 50_000; i++) {
      InetAddress probe = InetAddress.getByAddress(randomAddress(rnd));
      boolean scan = networks.stream().anyMatch(c -> c.contains(probe));
      assertThat(set.contains(probe)).as("%s", probe).isEqualTo(scan);
      inside += scan ? 1 : 0;
    }
    // Both answers occur, so the comparison means something.
    assertThat(inside).isBetween(1000, 49_000);
  }

  /** One address in four IPv6 (in 2001::/16), the others IPv4 in 10.0.0.0 to 12.255.255.255. */
  private static byte[] randomAddress(Random rnd) {
    boolean v6 = rnd.nextInt(4) == 0;
    byte[] a = new byte[v6 ? 16 : 4];
    rnd.nextBytes(a);
    if (v6) {
      a[0] = 0x20;
      a[1] = 0x01;
    } else {
      a[0] = (byte) (10 + rnd.nextInt(3));
    }
    return a;
  }

  @Test
  void anAccessListDenyWinsAndAnEmptyAllowServesEveryone() throws Exception {
    AccessList list = new AccessList(set("10.0.0.0/8"), set("10.6.6.6"));
    assertThat(list.permits(ip("10.1.1.1"))).isTrue();
    assertThat(list.permits(ip("10.6.6.6"))).isFalse();
    assertThat(list.permits(ip("192.0.2.1"))).isFalse();
    assertThat(list.permits(null)).isFalse();
    AccessList denyOnly = new AccessList(CidrSet.EMPTY, set("192.0.2.0/24"));
    assertThat(denyOnly.permits(ip("192.0.2.1"))).isFalse();
    assertThat(denyOnly.permits(ip("198.51.100.1"))).isTrue();
    assertThat(denyOnly.permits(null)).isTrue();
  }
}
