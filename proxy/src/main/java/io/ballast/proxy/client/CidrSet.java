package io.ballast.proxy.client;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * A set of IPv4 and IPv6 networks that answers "is this address in one of them" in O(log n),
 * for access lists of any length (a file of thousands of networks costs a binary search per
 * connection, not a scan).
 *
 * <p>Built once: each network becomes the range of addresses it covers (10.0.0.0/8 is
 * 10.0.0.0 ..= 10.255.255.255), ranges are sorted by their first address and overlapping or
 * adjacent ones merged, so that at most one range can hold an address: the last one starting at
 * or before it. Worked example: {10.0.0.0/9, 10.128.0.0/9, 10.1.0.0/16, 192.168.1.7} gives two
 * ranges, 10.0.0.0 ..= 10.255.255.255 (the two halves meet, the /16 lies inside) and
 * 192.168.1.7 ..= 192.168.1.7; 10.200.1.1 falls in the first, 192.168.1.8 in none. IPv6 ranges
 * are kept apart as pairs of unsigned 64-bit halves; an IPv4-mapped IPv6 address
 * ({@code ::ffff:10.0.0.1}) is looked up as the IPv4 address it carries.
 *
 * <p>Immutable and thread-safe.
 */
public final class CidrSet {
  public static final CidrSet EMPTY = new CidrSet(List.of());

  private final List<Cidr> networks;
  /** IPv4 ranges, unsigned 32-bit values in longs: starts[i] ..= ends[i], sorted, disjoint. */
  private final long[] v4Starts;
  private final long[] v4Ends;
  /** IPv6 ranges, each address as (high, low) unsigned halves, sorted, disjoint. */
  private final long[] v6StartHi;
  private final long[] v6StartLo;
  private final long[] v6EndHi;
  private final long[] v6EndLo;

  public CidrSet(List<Cidr> networks) {
    this.networks = List.copyOf(networks);
    List<long[]> v4 = new ArrayList<>();
    List<long[]> v6 = new ArrayList<>();
    for (Cidr c : this.networks) {
      byte[] a = c.network().getAddress();
      if (a.length == 4) {
        long start = Integer.toUnsignedLong(int32(a, 0));
        long size = 1L << (32 - c.prefixLength());
        v4.add(new long[] {start, start + size - 1});
      } else {
        long hi = int64(a, 0);
        long lo = int64(a, 8);
        int p = c.prefixLength();
        long hostHi = p >= 64 ? 0 : p == 0 ? -1L : -1L >>> p;
        long hostLo = p >= 128 ? 0 : p <= 64 ? -1L : -1L >>> (p - 64);
        v6.add(new long[] {hi, lo, hi | hostHi, lo | hostLo});
      }
    }
    v4.sort(Comparator.comparingLong(r -> r[0]));
    List<long[]> m4 = new ArrayList<>();
    for (long[] r : v4) {
      long[] last = m4.isEmpty() ? null : m4.get(m4.size() - 1);
      if (last != null && r[0] <= last[1] + 1) {
        last[1] = Math.max(last[1], r[1]);
      } else {
        m4.add(r.clone());
      }
    }
    v4Starts = m4.stream().mapToLong(r -> r[0]).toArray();
    v4Ends = m4.stream().mapToLong(r -> r[1]).toArray();
    v6.sort((x, y) -> compare(x[0], x[1], y[0], y[1]));
    List<long[]> m6 = new ArrayList<>();
    for (long[] r : v6) {
      long[] last = m6.isEmpty() ? null : m6.get(m6.size() - 1);
      if (last != null && !after(r[0], r[1], last[2], last[3])) {
        if (compare(r[2], r[3], last[2], last[3]) > 0) {
          last[2] = r[2];
          last[3] = r[3];
        }
      } else {
        m6.add(r.clone());
      }
    }
    v6StartHi = m6.stream().mapToLong(r -> r[0]).toArray();
    v6StartLo = m6.stream().mapToLong(r -> r[1]).toArray();
    v6EndHi = m6.stream().mapToLong(r -> r[2]).toArray();
    v6EndLo = m6.stream().mapToLong(r -> r[3]).toArray();
  }

  /** The networks as given. */
  public List<Cidr> networks() {
    return networks;
  }

  public boolean isEmpty() {
    return networks.isEmpty();
  }

  /** True when {@code address} is in one of the networks; false for null. */
  public boolean contains(InetAddress address) {
    if (address == null) {
      return false;
    }
    byte[] a = address.getAddress();
    if (a.length == 16 && mappedV4(a)) {
      return containsV4(Integer.toUnsignedLong(int32(a, 12)));
    }
    if (a.length == 4) {
      return containsV4(Integer.toUnsignedLong(int32(a, 0)));
    }
    long hi = int64(a, 0);
    long lo = int64(a, 8);
    int l = 0;
    int h = v6StartHi.length - 1;
    int found = -1;
    while (l <= h) {
      int mid = (l + h) >>> 1;
      if (compare(v6StartHi[mid], v6StartLo[mid], hi, lo) <= 0) {
        found = mid;
        l = mid + 1;
      } else {
        h = mid - 1;
      }
    }
    return found >= 0 && compare(hi, lo, v6EndHi[found], v6EndLo[found]) <= 0;
  }

  private boolean containsV4(long v) {
    int i = Arrays.binarySearch(v4Starts, v);
    if (i < 0) {
      i = -i - 2;
    }
    return i >= 0 && v <= v4Ends[i];
  }

  /** True when range start (hi, lo) lies beyond end (eHi, eLo) + 1, so the two do not touch. */
  private static boolean after(long hi, long lo, long eHi, long eLo) {
    long nextLo = eLo + 1;
    long nextHi = nextLo == 0 ? eHi + 1 : eHi;
    if (nextLo == 0 && nextHi == 0) {
      // The end is the last address: nothing lies beyond it.
      return false;
    }
    return compare(hi, lo, nextHi, nextLo) > 0;
  }

  private static int compare(long aHi, long aLo, long bHi, long bLo) {
    int c = Long.compareUnsigned(aHi, bHi);
    return c != 0 ? c : Long.compareUnsigned(aLo, bLo);
  }

  private static boolean mappedV4(byte[] a) {
    for (int i = 0; i < 10; i++) {
      if (a[i] != 0) {
        return false;
      }
    }
    return a[10] == (byte) 0xFF && a[11] == (byte) 0xFF;
  }

  private static int int32(byte[] a, int at) {
    return (a[at] & 0xFF) << 24 | (a[at + 1] & 0xFF) << 16 | (a[at + 2] & 0xFF) << 8
        | a[at + 3] & 0xFF;
  }

  private static long int64(byte[] a, int at) {
    return (long) int32(a, at) << 32 | Integer.toUnsignedLong(int32(a, at + 4));
  }

  /** Equal when built from the same networks in the same order. */
  @Override
  public boolean equals(Object o) {
    return o instanceof CidrSet other && networks.equals(other.networks);
  }

  @Override
  public int hashCode() {
    return networks.hashCode();
  }

  @Override
  public String toString() {
    return networks.toString();
  }
}
