package io.ballast.server.config;

import static io.ballast.server.config.ConfigLoaderTest.errors;
import static io.ballast.server.config.ConfigLoaderTest.valid;
import static org.assertj.core.api.Assertions.assertThat;

import io.ballast.core.affinity.AffinitySettings;
import io.ballast.proxy.affinity.AffinitySpec;
import io.ballast.proxy.client.HashKey;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** A pool's affinity block and a route's affinity mode: every field, defaults and errors. */
class AffinityConfigTest {
  private static final String KEY16 = "AAECAwQFBgcICQoLDA0ODw==";
  private static final String KEY32 = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

  private static String pool(String affinity) {
    return """
        listeners:
          - {name: main, bind: "127.0.0.1:8080", pool: app}
        pools:
          - name: app
            backends:
              - address: "127.0.0.1:9001"
            affinity:
        """ + affinity.indent(6);
  }

  @Test
  void readsEveryCookieField() {
    BallastConfig c = valid(pool("""
        by: cookie
        cookie:
          name: SRV
          path: /shop
          domain: example.com
          secure: true
          http_only: false
          same_site: none
          max_age: 2h
          keys: ["%s", "%s"]
        strict: true
        bounded_load: 1.5
        rebalance: {above: 2, after: 10s, step: 10%%, max_share: 50%%, interval: 1s}
        """.formatted(KEY32, KEY16))).config();
    AffinitySpec a = c.pools().get(0).affinity().orElseThrow();
    assertThat(a.strategy()).isEqualTo(AffinitySpec.Strategy.COOKIE);
    assertThat(a.cookie()).isEqualTo(new AffinitySpec.Cookie("SRV", "/shop", "example.com", true,
        false, "None", Duration.ofHours(2), List.of(KEY32, KEY16)));
    assertThat(a.settings()).isEqualTo(new AffinitySettings(1.5, true,
        new AffinitySettings.Rebalance(true, 2, Duration.ofSeconds(10), 0.10, 0.50,
            Duration.ofSeconds(1))));
  }

  @Test
  void cookieDefaultsAndTheOtherStrategies() {
    AffinitySpec cookie = valid(pool("by: cookie\ncookie: {keys: [\"" + KEY16 + "\"]}\n"))
        .config().pools().get(0).affinity().orElseThrow();
    assertThat(cookie.cookie()).isEqualTo(new AffinitySpec.Cookie("ballast_affinity", "/", null,
        false, true, "Lax", null, List.of(KEY16)));
    assertThat(cookie.settings()).isEqualTo(AffinitySettings.DEFAULTS);

    AffinitySpec ip = valid(pool("""
        by: ip
        client_ip: {ipv4_prefix: 16, ipv6_prefix: 48}
        table: {size: 5000, idle: 10m}
        rebalance: {enabled: false}
        """)).config().pools().get(0).affinity().orElseThrow();
    assertThat(ip).isEqualTo(new AffinitySpec(AffinitySpec.Strategy.IP, null,
        new HashKey.ClientIp(16, 48), null, null, 5000, Duration.ofMinutes(10),
        new AffinitySettings(1.25, false, new AffinitySettings.Rebalance(false, 1.5,
            Duration.ofSeconds(30), 0.05, 0.30, Duration.ofSeconds(5)))));

    AffinitySpec header = valid(pool("""
        by: header
        header: X-Tenant
        fallback: cookie
        cookie: {keys: ["%s"]}
        """.formatted(KEY16))).config().pools().get(0).affinity().orElseThrow();
    assertThat(header.header()).isEqualTo("X-Tenant");
    assertThat(header.fallback()).isEqualTo(AffinitySpec.Strategy.COOKIE);
    assertThat(header.clientIp()).isEqualTo(AffinitySpec.DEFAULT_CLIENT_IP);

    BallastConfig hash = valid(pool("by: hash\n").replace("    backends:",
        "    algorithm: maglev\n    backends:")).config();
    assertThat(hash.pools().get(0).affinity().orElseThrow().strategy())
        .isEqualTo(AffinitySpec.Strategy.HASH);
    assertThat(valid(pool("by: ip\n")).config().pools().get(0).affinity().orElseThrow()
        .tableSize()).isEqualTo(AffinitySpec.DEFAULT_TABLE_SIZE);
  }

  @Test
  void badAffinityBlocksNameTheFieldAndLine() {
    assertThat(errors(pool("""
        by: cookie
        cookie:
          keys: ["%s", "not base64!", "AAEC"]
          same_site: none
        """.formatted(KEY16)))).containsExactly(
        "test.yaml:10:44: pools[0].affinity.cookie.keys[1]: not base64 (expected: a base64 AES key"
            + " of 16 or 32 bytes, e.g. from: openssl rand -base64 32)",
        "test.yaml:10:59: pools[0].affinity.cookie.keys[2]: 3 bytes (expected: 16 or 32 bytes,"
            + " e.g. from: openssl rand -base64 32)",
        "test.yaml:11:20: pools[0].affinity.cookie.same_site: none, but secure is false"
            + " (expected: secure: true with same_site: none; browsers drop such cookies)");
    assertThat(errors(pool("by: cookie\n"))).containsExactly(
        "test.yaml:8:7: pools[0].affinity.cookie: missing (expected: a cookie block with at least"
            + " keys: [a base64 key of 16 or 32 bytes])");
    assertThat(errors(pool("by: hash\nstrict: true\n"))).containsExactly(
        "test.yaml:8:11: pools[0].affinity.by: hash, but the pool's algorithm is auto (expected:"
            + " algorithm ring-hash, maglev or bounded-load-hash, whose ring or table keeps each"
            + " key on its backend)",
        "test.yaml:9:15: pools[0].affinity.strict: true, but by: hash remembers no pin to refuse"
            + " on (expected: strict only with by: cookie, ip or header)");
    assertThat(errors(pool("by: ip\nheader: X-A\ncookie: {keys: []}\nfallback: ip\n")))
        .containsExactly(
            "test.yaml:9:7: pools[0].affinity.header: set, but not used here (expected: only"
                + " with by: header)",
            "test.yaml:10:7: pools[0].affinity.cookie: set, but not used here (expected: only"
                + " with by: cookie, or by: header with fallback: cookie)",
            "test.yaml:11:7: pools[0].affinity.fallback: set, but not used here (expected: only"
                + " with by: header)");
    assertThat(errors(pool("by: sticky\n"))).hasSize(1).first().asString()
        .contains("pools[0].affinity.by: 'sticky' (expected: cookie, ip, header or hash)");
  }

  @Test
  void strictRoutesNeedAPoolThatKeepsSessions() {
    String yaml = """
        listeners:
          - name: main
            bind: "127.0.0.1:8080"
            routes:
              - {name: pay, match: {path: {prefix: /pay}}, pool: app, affinity: strict}
              - {name: plain, pool: other, affinity: soft}
        pools:
          - name: app
            backends: [{address: "127.0.0.1:9001"}]
            affinity: {by: ip}
          - name: other
            backends: [{address: "127.0.0.1:9002"}]
        """;
    assertThat(errors(yaml)).containsExactly(
        "test.yaml:6:46: listeners[0].routes[1].affinity: soft, but pool 'other' keeps no"
            + " sessions (expected: only on routes whose pools set affinity by cookie, ip or"
            + " header)");
    BallastConfig ok = valid(yaml.replace(", affinity: soft", "")).config();
    assertThat(ok.listeners().get(0).routes().get(0).strictAffinity()).isEqualTo(Optional.of(true));
    assertThat(ok.listeners().get(0).routes().get(1).strictAffinity()).isEmpty();
  }
}
