package io.ballast.proxy.limits;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;

class ClientCountsTest {
  @Test
  void countsUpToTheLimitAndForgetsAnAddressAtZero() throws Exception {
    ClientCounts counts = new ClientCounts();
    InetAddress a = InetAddress.getByName("192.0.2.1");
    InetAddress b = InetAddress.getByName("2001:db8::1");
    assertThat(counts.tryAcquire(a, 2)).isTrue();
    assertThat(counts.tryAcquire(a, 2)).isTrue();
    assertThat(counts.tryAcquire(a, 2)).isFalse();
    assertThat(counts.count(a)).isEqualTo(2);
    assertThat(counts.tryAcquire(b, 2)).isTrue();
    assertThat(counts.addresses()).isEqualTo(2);
    counts.release(a);
    assertThat(counts.tryAcquire(a, 2)).isTrue();
    counts.release(a);
    counts.release(a);
    counts.release(b);
    assertThat(counts.addresses()).isZero();
    // A stray release never goes below zero nor leaves an entry.
    counts.release(a);
    assertThat(counts.addresses()).isZero();
  }

  @Test
  void manyAddressesCostNothingOnceClosed() throws Exception {
    ClientCounts counts = new ClientCounts();
    for (int i = 0; i < 100_000; i++) {
      InetAddress a = InetAddress.getByAddress(new byte[] {10, (byte) (i >> 16), (byte) (i >> 8),
          (byte) i});
      assertThat(counts.tryAcquire(a, 1)).isTrue();
      counts.release(a);
    }
    assertThat(counts.addresses()).isZero();
  }

  @Test
  void limitsAreValidated() {
    assertThatThrownBy(() -> new ListenerLimits(0, 1, 1))
        .hasMessage("maxConnections: 0 (expected: >= 1, or NONE)");
    assertThat(ListenerLimits.DEFAULTS.toString())
        .isEqualTo("max_connections none, per client none, requests per connection none");
  }
}
