package io.ballast.proxy.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import io.ballast.proxy.client.Cidr;
import io.ballast.proxy.client.CidrSet;
import io.github.bucket4j.TimeMeter;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RateLimiterTest {
  private final AtomicLong now = new AtomicLong(1_000_000_000L);
  private final TimeMeter time = new TimeMeter() {
    @Override
    public long currentTimeNanos() {
      return now.get();
    }

    @Override
    public boolean isWallClockBased() {
      return false;
    }
  };

  private RateLimiter limiter(RateLimitSpec.Key key, String header, long tokens, long burst,
      String... exempt) {
    return new RateLimiter(new RateLimitSpec("l", key, header, tokens, Duration.ofSeconds(1),
        burst, new CidrSet(List.of(exempt).stream().map(Cidr::parse).toList()), 1000), time);
  }

  private static InetAddress ip(String s) throws Exception {
    return InetAddress.getByName(s);
  }

  private static int through(RateLimiter l, InetAddress client, String header, int n) {
    int ok = 0;
    for (int i = 0; i < n; i++) {
      if (l.acquire(client, header) == null) {
        ok++;
      }
    }
    return ok;
  }

  @Test
  void theWorkedExample() throws Exception {
    RateLimiter l = limiter(RateLimitSpec.Key.CLIENT, null, 10, 20);
    InetAddress a = ip("192.0.2.1");
    assertThat(through(l, a, null, 20)).isEqualTo(20);
    RateLimiter.Refusal no = l.acquire(a, null);
    assertThat(no).isNotNull();
    assertThat(no.retryAfterSeconds()).isEqualTo(1);
    assertThat(no.policyHeader()).isEqualTo("\"l\";q=20;w=2");
    assertThat(no.limitHeader()).isEqualTo("\"l\";r=0;t=1");
    assertThat(through(l, a, null, 9)).isZero();
    // Another client has its own bucket.
    assertThat(through(l, ip("192.0.2.2"), null, 20)).isEqualTo(20);
    now.addAndGet(Duration.ofMillis(500).toNanos());
    assertThat(through(l, a, null, 10)).isEqualTo(5);
  }

  @Test
  void aHeaderKeyFallsBackToTheClientAndExemptClientsTakeNoToken() throws Exception {
    RateLimiter l = limiter(RateLimitSpec.Key.HEADER, "X-Api-Key", 1, 2, "10.0.0.0/8");
    InetAddress a = ip("192.0.2.1");
    assertThat(through(l, a, "key-1", 5)).isEqualTo(2);
    assertThat(through(l, a, "key-2", 5)).isEqualTo(2);
    // Without the header: counted by address, not let through.
    assertThat(through(l, a, null, 5)).isEqualTo(2);
    assertThat(through(l, ip("10.1.2.3"), "key-1", 100)).isEqualTo(100);
    assertThat(l.keys()).isEqualTo(3);
  }

  @Test
  void aGlobalLimitIsOneBucket() throws Exception {
    RateLimiter l = limiter(RateLimitSpec.Key.GLOBAL, null, 100, 3);
    assertThat(through(l, ip("192.0.2.1"), null, 2) + through(l, ip("192.0.2.2"), null, 2))
        .isEqualTo(3);
  }

  @Test
  void rotatingClientsStayWithinMaxKeys() throws Exception {
    RateLimiter l = limiter(RateLimitSpec.Key.CLIENT, null, 1, 1);
    byte[] b = {10, 0, 0, 0};
    for (int i = 0; i < 5000; i++) {
      b[2] = (byte) (i >> 8);
      b[3] = (byte) i;
      l.acquire(InetAddress.getByAddress(b), null);
    }
    assertThat(l.keys()).isLessThanOrEqualTo(1000);
  }
}
