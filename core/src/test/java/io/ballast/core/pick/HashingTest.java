package io.ballast.core.pick;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class HashingTest {
  @Test
  void xxHash64MatchesTheReferenceVectors() {
    assertThat(Hashing.xxHash64("", 0)).isEqualTo(0xEF46DB3751D8E999L);
    assertThat(Hashing.xxHash64("a", 0)).isEqualTo(0xD24EC4F1A98C6E5BL);
    assertThat(Hashing.xxHash64("abc", 0)).isEqualTo(0x44BC2CF5AD770999L);
    // 39 bytes: the 32-byte stripe loop, a 4-byte and three 1-byte tail steps.
    assertThat(Hashing.xxHash64("Nobody inspects the spammish repetition", 0))
        .isEqualTo(0xFBCEA83C8A378BF1L);
  }

  @Test
  void mixSpreadsConsecutiveKeysOverTheTopBits() {
    // Keys 0..4095 differ only in their low 12 bits; after mixing, their top 8 bits must cover
    // (almost) all 256 buckets, which unmixed keys would put all in bucket 0.
    Set<Long> buckets = new HashSet<>();
    for (long k = 0; k < 4096; k++) {
      buckets.add(Hashing.mix(k) >>> 56);
    }
    assertThat(buckets).hasSizeGreaterThan(250);
    assertThat(Hashing.mix(0)).isNotZero();
  }
}
