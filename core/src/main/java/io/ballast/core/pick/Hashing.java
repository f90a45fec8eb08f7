package io.ballast.core.pick;

import java.nio.charset.StandardCharsets;

/**
 * Stable 64-bit hashing for the hash pickers: the same input gives the same value in every
 * process, JVM and version, so that every ballast instance builds the same ring or table from the
 * same members. {@code String.hashCode} is not used: 32 bits are too few for ring points and its
 * low bits are poor.
 *
 * <p>Stateless and thread-safe.
 */
final class Hashing {
  private Hashing() {}

  // xxHash64 primes (Yann Collet's XXH64 specification).
  private static final long P1 = 0x9E3779B185EBCA87L;
  private static final long P2 = 0xC2B2AE3D27D4EB4FL;
  private static final long P3 = 0x165667B19E3779F9L;
  private static final long P4 = 0x85EBCA77C2B2AE63L;
  private static final long P5 = 0x27D4EB2F165667C5L;

  /** The golden-ratio increment of SplitMix64. */
  static final long GOLDEN = 0x9E3779B97F4A7C15L;

  /**
   * SplitMix64's output function applied to {@code x + GOLDEN}: a bijection on 64-bit values with
   * full avalanche. Keys computed by the proxy may be poor (small integers, strings with a common
   * prefix); mixing them first spreads them over the whole ring. Key 0 (no key) maps to an ordinary
   * value, not to 0.
   */
  static long mix(long x) {
    long z = x + GOLDEN;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  /** XXH64 of the UTF-8 bytes of {@code s}. */
  static long xxHash64(String s, long seed) {
    return xxHash64(s.getBytes(StandardCharsets.UTF_8), seed);
  }

  /** XXH64 of {@code data} with {@code seed}, as the reference implementation (little endian). */
  static long xxHash64(byte[] data, long seed) {
    int len = data.length;
    int i = 0;
    long h;
    if (len >= 32) {
      long v1 = seed + P1 + P2;
      long v2 = seed + P2;
      long v3 = seed;
      long v4 = seed - P1;
      for (int limit = len - 32; i <= limit; i += 32) {
        v1 = round(v1, readLong(data, i));
        v2 = round(v2, readLong(data, i + 8));
        v3 = round(v3, readLong(data, i + 16));
        v4 = round(v4, readLong(data, i + 24));
      }
      h = Long.rotateLeft(v1, 1) + Long.rotateLeft(v2, 7) + Long.rotateLeft(v3, 12)
          + Long.rotateLeft(v4, 18);
      h = mergeRound(h, v1);
      h = mergeRound(h, v2);
      h = mergeRound(h, v3);
      h = mergeRound(h, v4);
    } else {
      h = seed + P5;
    }
    h += len;
    for (; i + 8 <= len; i += 8) {
      h ^= round(0, readLong(data, i));
      h = Long.rotateLeft(h, 27) * P1 + P4;
    }
    if (i + 4 <= len) {
      h ^= (readInt(data, i) & 0xFFFFFFFFL) * P1;
      h = Long.rotateLeft(h, 23) * P2 + P3;
      i += 4;
    }
    for (; i < len; i++) {
      h ^= (data[i] & 0xFFL) * P5;
      h = Long.rotateLeft(h, 11) * P1;
    }
    h ^= h >>> 33;
    h *= P2;
    h ^= h >>> 29;
    h *= P3;
    h ^= h >>> 32;
    return h;
  }

  private static long round(long acc, long input) {
    acc += input * P2;
    acc = Long.rotateLeft(acc, 31);
    return acc * P1;
  }

  private static long mergeRound(long acc, long val) {
    acc ^= round(0, val);
    return acc * P1 + P4;
  }

  private static long readLong(byte[] b, int i) {
    return (b[i] & 0xFFL) | (b[i + 1] & 0xFFL) << 8 | (b[i + 2] & 0xFFL) << 16
        | (b[i + 3] & 0xFFL) << 24 | (b[i + 4] & 0xFFL) << 32 | (b[i + 5] & 0xFFL) << 40
        | (b[i + 6] & 0xFFL) << 48 | (b[i + 7] & 0xFFL) << 56;
  }

  private static int readInt(byte[] b, int i) {
    return (b[i] & 0xFF) | (b[i + 1] & 0xFF) << 8 | (b[i + 2] & 0xFF) << 16 | (b[i + 3] & 0xFF) << 24;
  }
}
