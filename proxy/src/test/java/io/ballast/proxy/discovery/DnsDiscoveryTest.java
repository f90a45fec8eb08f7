package io.ballast.proxy.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ballast.proxy.discovery.DnsBackendSpec.Kind;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.nio.NioIoHandler;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * DNS discovery against a real dnsmasq on loopback: records change under a running resolver,
 * names appear late, the server stops and comes back, TTLs are bounded.
 */
class DnsDiscoveryTest {
  private static final String WEB = "web." + Dnsmasq.DOMAIN;
  private static final Duration WITHIN = Duration.ofSeconds(5);

  private static EventLoopGroup epoll;
  private static EventLoopGroup nio;

  @TempDir Path dir;

  @BeforeAll
  static void loops() {
    Dnsmasq.assumeInstalled();
    nio = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    epoll = Epoll.isAvailable()
        ? new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory()) : nio;
  }

  @AfterAll
  static void stopLoops() {
    for (EventLoopGroup g : new EventLoopGroup[] {epoll, nio}) {
      if (g != null) {
        g.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
      }
    }
  }

  /** Asks only {@code dns}, refresh 100 ms..{@code max}, 300 ms per query. */
  private static DnsDiscoverySettings settings(Dnsmasq dns, Duration max) {
    return new DnsDiscoverySettings(List.of(dns.address()), Duration.ofMillis(100), max,
        Duration.ofMillis(300));
  }

  private static List<String> names(List<DnsMember> members) {
    return members.stream().map(DnsMember::name).toList();
  }

  /** A watch with every update it delivered, in order. */
  private static final class Updates implements DnsListener {
    final List<DnsUpdate> all = new CopyOnWriteArrayList<>();
    DnsWatch watch;

    @Override
    public void membersChanged(DnsUpdate update) {
      all.add(update);
    }

    List<String> last() {
      return all.isEmpty() ? List.of() : names(all.get(all.size() - 1).members());
    }

    /** Waits for the first update and returns it. */
    DnsUpdate first() {
      await().atMost(WITHIN).until(() -> !all.isEmpty());
      return all.get(0);
    }
  }

  /** Starts watching {@code spec}, recording the updates. */
  private static Updates watch(DnsDiscovery discovery, DnsBackendSpec spec) {
    Updates u = new Updates();
    u.watch = discovery.watch(spec, u);
    return u;
  }

  /** web.ballast.test, port 8080, A records, weight 1. */
  private static DnsBackendSpec web() {
    return DnsBackendSpec.host(WEB, 8080, 1, Kind.A);
  }

  @Test
  void membersFollowTheARecordsWhileRunning() throws Exception {
    try (Dnsmasq dns = Dnsmasq.start(dir, 1);
        DnsDiscovery discovery = new DnsDiscovery(settings(dns, Duration.ofSeconds(10)), epoll)) {
      dns.hosts("web", "127.0.0.11 " + WEB, "127.0.0.12 " + WEB);
      Updates updates = watch(discovery, DnsBackendSpec.host(WEB, 8080, 3, Kind.A));
      DnsWatch w = updates.watch;
      DnsUpdate first = updates.first();
      assertThat(first.members()).containsExactly(
          new DnsMember(WEB + "/127.0.0.11:8080", "127.0.0.11", 8080, 3),
          new DnsMember(WEB + "/127.0.0.12:8080", "127.0.0.12", 8080, 3));
      assertThat(first.ttlSeconds()).isEqualTo(1);
      assertThat(first.refresh()).isEqualTo(Duration.ofSeconds(1));

      // One added, one removed: seen within about two TTLs, in one or two updates.
      long t0 = System.nanoTime();
      dns.hosts("web", "127.0.0.12 " + WEB, "127.0.0.13 " + WEB);
      await().atMost(Duration.ofMillis(2500)).until(() -> updates.last().equals(
          List.of(WEB + "/127.0.0.12:8080", WEB + "/127.0.0.13:8080")));
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofMillis(2500));
      assertThat(w.members()).hasSize(2);

      // Unchanged answers deliver nothing.
      int delivered = updates.all.size();
      long lookups = w.counters().lookups();
      await().atMost(WITHIN).until(() -> w.counters().lookups() >= lookups + 2);
      assertThat(updates.all).hasSize(delivered);
      assertThat(w.counters().failures()).isZero();
      assertThat(w.counters().members()).isEqualTo(2);
      assertThat(w.counters().lastSuccess()).isPresent();
      assertThat(w.counters().nextRefresh()).isPresent();
    }
  }

  @Test
  void kindsChooseTheAddressFamilies() throws Exception {
    try (Dnsmasq dns = Dnsmasq.start(dir, 1, "--cname=alias." + Dnsmasq.DOMAIN + "," + WEB);
        DnsDiscovery discovery = new DnsDiscovery(settings(dns, Duration.ofSeconds(10)), epoll)) {
      dns.hosts("web", "127.0.0.11 " + WEB, "fd00::11 " + WEB);
      DnsWatch a = discovery.watch(DnsBackendSpec.host(WEB, 80, 1, Kind.A), u -> { });
      DnsWatch aaaa = discovery.watch(DnsBackendSpec.host(WEB, 80, 1, Kind.AAAA), u -> { });
      DnsWatch any = discovery.watch(DnsBackendSpec.host(WEB, 80, 1, Kind.ANY), u -> { });
      DnsWatch alias = discovery.watch(
          DnsBackendSpec.host("alias." + Dnsmasq.DOMAIN, 80, 1, Kind.ANY), u -> { });

      await().atMost(WITHIN).until(() -> !alias.members().isEmpty() && !any.members().isEmpty()
          && !a.members().isEmpty() && !aaaa.members().isEmpty());
      assertThat(names(a.members())).containsExactly(WEB + "/127.0.0.11:80");
      assertThat(aaaa.members()).containsExactly(
          new DnsMember(WEB + "/[fd00::11]:80", "fd00::11", 80, 1));
      assertThat(aaaa.members().get(0).address()).isEqualTo("[fd00::11]:80");
      assertThat(names(any.members()))
          .containsExactly(WEB + "/127.0.0.11:80", WEB + "/[fd00::11]:80");
      // Through a CNAME, members are named by the name asked.
      String aliasName = "alias." + Dnsmasq.DOMAIN;
      assertThat(names(alias.members()))
          .containsExactly(aliasName + "/127.0.0.11:80", aliasName + "/[fd00::11]:80");
    }
  }

  @Test
  void srvGivesTargetsPortsAndWeights() throws Exception {
    String svc = "_http._tcp.svc." + Dnsmasq.DOMAIN;
    String t1 = "t1." + Dnsmasq.DOMAIN;
    String t2 = "t2." + Dnsmasq.DOMAIN;
    String t3 = "t3." + Dnsmasq.DOMAIN;
    String gone = "gone." + Dnsmasq.DOMAIN;
    // --srv-host=name,target,port,priority,weight
    try (Dnsmasq dns = Dnsmasq.start(dir, 1,
            "--srv-host=" + svc + "," + t1 + ",8081,10,60",
            "--srv-host=" + svc + "," + t2 + ",8082,10,0",
            "--srv-host=" + svc + "," + gone + ",8084,10,30",
            "--srv-host=" + svc + "," + t3 + ",8083,20,100");
        DnsDiscovery discovery = new DnsDiscovery(settings(dns, Duration.ofSeconds(10)), epoll)) {
      dns.hosts("targets", "127.0.0.21 " + t1, "127.0.0.22 " + t1, "fd00::21 " + t1,
          "127.0.0.23 " + t2, "127.0.0.24 " + t3);
      Updates updates = watch(discovery, DnsBackendSpec.srv(svc, Kind.A));
      DnsWatch w = updates.watch;
      updates.first();
      // Priority 10 only (t3 is a backup at 20); "gone" has no address and is skipped; weights
      // 60:0 become 256:1; each address of a target is a member with the target's port.
      assertThat(updates.all.get(0).members()).containsExactly(
          new DnsMember(t1 + "/127.0.0.21:8081", "127.0.0.21", 8081, 256),
          new DnsMember(t1 + "/127.0.0.22:8081", "127.0.0.22", 8081, 256),
          new DnsMember(t2 + "/127.0.0.23:8082", "127.0.0.23", 8082, 1));
      assertThat(updates.all.get(0).ttlSeconds()).isEqualTo(1);

      // The missing target appears: it joins with its weight, 30 of 60.
      dns.hosts("gone", "127.0.0.25 " + gone);
      await().atMost(WITHIN).until(() -> w.members().size() == 4);
      assertThat(w.members()).contains(
          new DnsMember(gone + "/127.0.0.25:8084", "127.0.0.25", 8084, 128));
      assertThat(w.counters().failures()).isZero();
    }
  }

  @Test
  void aNameMissingAtStartJoinsWhenItAppears() throws Exception {
    try (Dnsmasq dns = Dnsmasq.start(dir, 1);
        DnsDiscovery discovery = new DnsDiscovery(settings(dns, Duration.ofMillis(400)), epoll)) {
      Updates updates = watch(discovery, DnsBackendSpec.host(WEB, 8080, 1, Kind.ANY));
      DnsWatch w = updates.watch;

      await().atMost(WITHIN).until(() -> w.counters().failures(DnsFailure.NXDOMAIN) >= 2);
      assertThat(w.members()).isEmpty();
      assertThat(updates.all).isEmpty();
      assertThat(w.counters().lastSuccess()).isEmpty();
      assertThat(w.counters().failing()).contains(DnsFailure.NXDOMAIN);

      dns.hosts("web", "127.0.0.11 " + WEB);
      // Retries back off at most to max_refresh (400 ms).
      await().atMost(Duration.ofSeconds(2)).until(() -> updates.all.size() == 1);
      assertThat(updates.last()).containsExactly(WEB + "/127.0.0.11:8080");
      assertThat(w.counters().failing()).isEmpty();
      assertThat(w.counters().lastSuccess()).isPresent();
    }
  }

  @Test
  void aStoppedServerKeepsTheLastMembersAndARestartedOneIsUsedAgain() throws Exception {
    try (Dnsmasq dns = Dnsmasq.start(dir, 1);
        DnsDiscovery discovery = new DnsDiscovery(settings(dns, Duration.ofMillis(500)), epoll)) {
      dns.hosts("web", "127.0.0.11 " + WEB, "127.0.0.12 " + WEB);
      Updates updates = watch(discovery, web());
      DnsWatch w = updates.watch;
      await().atMost(WITHIN).until(() -> w.members().size() == 2);

      dns.stop();
      await().atMost(WITHIN).until(() -> w.counters().failures(DnsFailure.TIMEOUT) >= 3);
      assertThat(w.members()).hasSize(2);
      assertThat(w.counters().members()).isEqualTo(2);
      assertThat(w.counters().failing()).contains(DnsFailure.TIMEOUT);
      assertThat(updates.all).hasSize(1);

      // Changed while down; the restarted server on the same port is asked again.
      dns.hosts("web", "127.0.0.13 " + WEB);
      dns.restart();
      await().atMost(WITHIN).until(() -> updates.last().equals(List.of(WEB + "/127.0.0.13:8080")));
      assertThat(w.counters().failing()).isEmpty();
    }
  }

  @Test
  void aZeroTtlIsLookedUpAtTheMinimumInterval() throws Exception {
    try (Dnsmasq dns = Dnsmasq.start(dir, 0);
        DnsDiscovery discovery = new DnsDiscovery(new DnsDiscoverySettings(
            List.of(dns.address()), Duration.ofMillis(200), Duration.ofSeconds(10),
            Duration.ofMillis(300)), epoll)) {
      dns.hosts("web", "127.0.0.11 " + WEB);
      Updates updates = watch(discovery, web());
      DnsWatch w = updates.watch;
      assertThat(updates.first().ttlSeconds()).isZero();
      assertThat(updates.first().refresh()).isEqualTo(Duration.ofMillis(200));

      long start = System.nanoTime();
      long before = w.counters().lookups();
      await().atMost(WITHIN).until(() -> w.counters().lookups() >= before + 5);
      // Five lookups 200 ms apart: not sooner (no query loop on TTL 0), and far from the 10 s of
      // max_refresh (the upper bound leaves room for a loaded machine).
      assertThat(Duration.ofNanos(System.nanoTime() - start))
          .isBetween(Duration.ofMillis(800), Duration.ofMillis(3000));
    }
  }

  @Test
  void aLongTtlIsLookedUpAtTheMaximumInterval() throws Exception {
    try (Dnsmasq dns = Dnsmasq.start(dir, 86400);
        DnsDiscovery discovery = new DnsDiscovery(settings(dns, Duration.ofMillis(500)), epoll)) {
      dns.hosts("web", "127.0.0.11 " + WEB);
      Updates updates = watch(discovery, web());
      DnsWatch w = updates.watch;
      assertThat(updates.first().ttlSeconds()).isEqualTo(86400);
      assertThat(updates.first().refresh()).isEqualTo(Duration.ofMillis(500));
      assertThat(w.counters().ttlSeconds()).isEqualTo(86400);

      // A change shows after max_refresh, not after a day.
      dns.hosts("web", "127.0.0.12 " + WEB);
      await().atMost(Duration.ofMillis(1500)).until(() -> updates.all.size() == 2);
      assertThat(updates.last()).containsExactly(WEB + "/127.0.0.12:8080");
    }
  }

  @Test
  void listedNameserversAreAskedInOrderPastADeadOne() throws Exception {
    try (Dnsmasq dns = Dnsmasq.start(dir, 1)) {
      dns.hosts("web", "127.0.0.11 " + WEB);
      // A port with nobody behind it: the query times out and the next server answers.
      InetSocketAddress dead;
      try (java.net.DatagramSocket s = new java.net.DatagramSocket(0,
          java.net.InetAddress.getLoopbackAddress())) {
        dead = new InetSocketAddress(s.getLocalAddress(), s.getLocalPort());
      }
      DnsDiscoverySettings settings = new DnsDiscoverySettings(List.of(dead, dns.address()),
          Duration.ofMillis(100), Duration.ofSeconds(10), Duration.ofMillis(200));
      DnsDiscovery discovery = new DnsDiscovery(settings, nio);
      assertThat(discovery.nameservers())
          .isEqualTo("[127.0.0.1:" + dead.getPort() + ", 127.0.0.1:" + dns.port() + "] (listed)");
      DnsWatch w = discovery.watch(web(), u -> { });
      await().atMost(WITHIN).until(() -> w.members().size() == 1);
      assertThat(w.counters().failures()).isZero();

      // Closed: no lookup after (one in flight may still be counted).
      discovery.close();
      assertThat(discovery.watches()).isEmpty();
      long lookups = w.counters().lookups();
      await().during(Duration.ofMillis(1200)).atMost(Duration.ofMillis(1500))
          .until(() -> w.counters().lookups() <= lookups + 1);
    }
  }

  @Test
  void withoutAListTheSystemNameserversAreUsed() {
    try (DnsDiscovery discovery = new DnsDiscovery(DnsDiscoverySettings.DEFAULTS, nio)) {
      assertThat(discovery.nameservers()).endsWith("(the system's, /etc/resolv.conf)");
    }
  }
}
