package io.ballast.core.affinity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ballast.core.affinity.SessionCookieCodec.Opened;
import io.ballast.core.affinity.SessionCookieCodec.Reason;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class SessionCookieCodecTest {
  private static final long NOW = 1_800_000_000L;

  private static byte[] key(int length, int seed) {
    byte[] k = new byte[length];
    new SplittableRandom(seed).nextBytes(k);
    return k;
  }

  private static final byte[] K1 = key(32, 1);
  private static final byte[] K2 = key(16, 2);

  private static SessionCookieCodec codec(String pool, List<byte[]> keys) {
    return new SessionCookieCodec(keys, pool, "BALLAST");
  }

  private static Reason rejected(Opened o) {
    assertThat(o).isInstanceOf(Opened.Rejected.class);
    return ((Opened.Rejected) o).reason();
  }

  @Test
  void roundTripGivesTheBackendAndTheExpiry() {
    SessionCookieCodec codec = codec("api", List.of(K1));
    String value = codec.seal("app-3", NOW, 3600);
    assertThat(value).matches("[A-Za-z0-9_-]+");
    // 4 header + 12 nonce + 8 expiry + 5 name + 16 tag = 45 bytes, 60 characters.
    assertThat(value).hasSize(60);
    assertThat(codec.open(value, NOW + 10)).isEqualTo(new Opened.Valid("app-3", NOW + 3600));
    // Unicode names survive, and two seals of one pin differ (fresh nonce): a client cannot tell
    // that two cookies name the same backend.
    String other = codec.seal("app-3", NOW, 3600);
    assertThat(other).isNotEqualTo(value);
    assertThat(codec.open(codec.seal("bäckend-ü", NOW, 60), NOW))
        .isEqualTo(new Opened.Valid("bäckend-ü", NOW + 60));
  }

  @Test
  void rotationTheFirstKeySealsEveryKeyOpens() {
    SessionCookieCodec before = codec("api", List.of(K1));
    SessionCookieCodec rotated = codec("api", List.of(K2, K1));
    SessionCookieCodec after = codec("api", List.of(K2));
    String old = before.seal("b1", NOW, 600);
    String fresh = rotated.seal("b2", NOW, 600);
    assertThat(rotated.open(old, NOW)).isEqualTo(new Opened.Valid("b1", NOW + 600));
    assertThat(rotated.open(fresh, NOW)).isEqualTo(new Opened.Valid("b2", NOW + 600));
    // The new key seals: a process that kept only the old key does not know it.
    assertThat(rejected(before.open(fresh, NOW))).isEqualTo(Reason.UNKNOWN_KEY);
    // Once the old key is dropped, its cookies are no longer accepted.
    assertThat(rejected(after.open(old, NOW))).isEqualTo(Reason.UNKNOWN_KEY);
    assertThat(after.open(fresh, NOW)).isInstanceOf(Opened.Valid.class);
  }

  @Test
  void everyFlippedBitIsRejectedAndNeverValid() {
    SessionCookieCodec codec = codec("api", List.of(K1));
    byte[] token = Base64.getUrlDecoder().decode(codec.seal("app-1", NOW, 600));
    Set<Reason> seen = new HashSet<>();
    for (int i = 0; i < token.length; i++) {
      for (int bit = 0; bit < 8; bit++) {
        byte[] t = token.clone();
        t[i] ^= (byte) (1 << bit);
        Opened o = codec.open(Base64.getUrlEncoder().withoutPadding().encodeToString(t), NOW);
        Reason r = rejected(o);
        seen.add(r);
        if (i >= SessionCookieCodec.HEADER) {
          // Nonce, ciphertext and tag: authentication fails with the known key.
          assertThat(r).as("byte %d bit %d", i, bit).isEqualTo(Reason.TAMPERED);
        }
      }
    }
    // Header bytes: version (malformed), key id (unknown key), context (foreign).
    assertThat(seen).contains(Reason.TAMPERED, Reason.MALFORMED, Reason.UNKNOWN_KEY,
        Reason.FOREIGN);
  }

  @Test
  void expiredCookiesAreRejectedAtTheirExpiry() {
    SessionCookieCodec codec = codec("api", List.of(K1));
    String value = codec.seal("app-1", NOW, 100);
    assertThat(codec.open(value, NOW + 99)).isInstanceOf(Opened.Valid.class);
    assertThat(rejected(codec.open(value, NOW + 100))).isEqualTo(Reason.EXPIRED);
    assertThat(rejected(codec.open(value, NOW + 1_000_000))).isEqualTo(Reason.EXPIRED);
  }

  @Test
  void aCookieOfAnotherPoolOrCookieNameIsForeignEvenWithTheSameKey() {
    String value = codec("api", List.of(K1)).seal("app-1", NOW, 600);
    assertThat(rejected(codec("web", List.of(K1)).open(value, NOW))).isEqualTo(Reason.FOREIGN);
    assertThat(rejected(new SessionCookieCodec(List.of(K1), "api", "OTHER").open(value, NOW)))
        .isEqualTo(Reason.FOREIGN);
    // Names are separated: pool "ab" + cookie "c" is not pool "a" + cookie "bc".
    String ab = new SessionCookieCodec(List.of(K1), "ab", "c").seal("x", NOW, 60);
    assertThat(new SessionCookieCodec(List.of(K1), "a", "bc").open(ab, NOW))
        .isInstanceOf(Opened.Rejected.class);
  }

  @Test
  void aForgedHeaderThatClaimsThisPoolStillFailsAuthentication() {
    // Another pool's cookie with its context bytes rewritten to ours: the associated data binds
    // the pool's name, so the tag does not verify.
    SessionCookieCodec api = codec("api", List.of(K1));
    byte[] ours = Base64.getUrlDecoder().decode(api.seal("a", NOW, 60));
    byte[] theirs = Base64.getUrlDecoder().decode(codec("web", List.of(K1)).seal("a", NOW, 60));
    theirs[2] = ours[2];
    theirs[3] = ours[3];
    String forged = Base64.getUrlEncoder().withoutPadding().encodeToString(theirs);
    assertThat(rejected(api.open(forged, NOW))).isEqualTo(Reason.TAMPERED);
  }

  @Test
  void malformedInputsAreRejectedWithoutThrowing() {
    SessionCookieCodec codec = codec("api", List.of(K1));
    String valid = codec.seal("app-1", NOW, 600);
    List<String> inputs = new ArrayList<>();
    inputs.add(null);
    inputs.add("");
    inputs.add("a");
    inputs.add("not base64 at all!");
    inputs.add("+" + valid.substring(1));
    inputs.add(valid + "=");
    inputs.add(valid.substring(0, 10));
    inputs.add(valid.substring(0, valid.length() - 1)); // 4k + 1 characters or truncated tag
    inputs.add(valid.substring(0, valid.length() - 2));
    inputs.add("A".repeat(41)); // 4k + 1 characters: not a base64 length
    inputs.add("A".repeat(100_000));
    inputs.add("\u0000\u00ff\uffff".repeat(30));
    SplittableRandom random = new SplittableRandom(7);
    for (int i = 0; i < 2000; i++) {
      byte[] junk = new byte[random.nextInt(0, 400)];
      random.nextBytes(junk);
      inputs.add(Base64.getUrlEncoder().withoutPadding().encodeToString(junk));
    }
    for (String input : inputs) {
      Opened o = codec.open(input, NOW);
      assertThat(o).as("%s", input).isInstanceOf(Opened.Rejected.class);
    }
    assertThat(rejected(codec.open("", NOW))).isEqualTo(Reason.MALFORMED);
    assertThat(rejected(codec.open("A".repeat(100_000), NOW))).isEqualTo(Reason.MALFORMED);
    assertThat(rejected(codec.open("not base64 at all!", NOW))).isEqualTo(Reason.MALFORMED);
  }

  @Test
  void keysAndArgumentsAreValidated() {
    assertThatThrownBy(() -> codec("api", List.of(K1, key(24, 3))))
        .hasMessage("keys[1]: 24 bytes (expected: 16 or 32)");
    assertThatThrownBy(() -> codec("api", List.of()))
        .hasMessage("keys: none (expected: at least one key)");
    SessionCookieCodec codec = codec("api", List.of(K1));
    assertThatThrownBy(() -> codec.seal("", NOW, 10))
        .hasMessage("backend: 0 bytes (expected: 1..255)");
    assertThatThrownBy(() -> codec.seal("x".repeat(256), NOW, 10))
        .hasMessage("backend: 256 bytes (expected: 1..255)");
    assertThatThrownBy(() -> codec.seal("a", NOW, 0))
        .hasMessage("maxAgeSeconds: 0 (expected: > 0)");
    // The longest name still opens.
    String longest = "x".repeat(255);
    assertThat(codec.open(codec.seal(longest, NOW, 10), NOW))
        .isEqualTo(new Opened.Valid(longest, NOW + 10));
  }

  @Test
  void sealsAndOpensConcurrently() throws Exception {
    SessionCookieCodec codec = codec("api", List.of(K1, K2));
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<Integer>> results = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        int id = t;
        results.add(pool.submit(() -> {
          int ok = 0;
          for (int i = 0; i < 2000; i++) {
            String name = "b" + id + "-" + i;
            if (codec.open(codec.seal(name, NOW, 60), NOW)
                .equals(new Opened.Valid(name, NOW + 60))) {
              ok++;
            }
          }
          return ok;
        }));
      }
      for (Future<Integer> f : results) {
        assertThat(f.get(30, TimeUnit.SECONDS)).isEqualTo(2000);
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
