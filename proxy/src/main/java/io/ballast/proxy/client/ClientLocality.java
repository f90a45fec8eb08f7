package io.ballast.proxy.client;

import io.ballast.core.zone.Locality;
import io.ballast.proxy.http1.HeaderRewriter;
import io.netty.handler.codec.http.HttpHeaders;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * Where a request's client is: its zone written "region/zone", from a header that a trusted proxy
 * set, else from a table of networks ({@code 10.1.0.0/16 -> eu-west/eu-west-1a}) matched against
 * the client's address (behind trusted proxies, the address they forwarded for). The header comes
 * first because a proxy in front of ballast usually knows better where its client is than an
 * address plan does; it is read only from trusted proxies, exactly as their X-Forwarded-For is,
 * so that a client cannot pick its own zone.
 *
 * <p>The table answers the longest matching prefix. It is kept per address family as one sorted
 * array of networks per prefix length present, longest first: a lookup masks the address once
 * per length and binary-searches, with no allocation. Worked example: with {@code 10.0.0.0/8 ->
 * eu/a} and {@code 10.1.0.0/16 -> eu/b}, 10.1.2.3 is tried against /16 first and matches eu/b;
 * 10.2.0.1 misses /16 and matches eu/a at /8; 192.168.0.1 and every IPv6 address match nothing.
 *
 * <p>Immutable and thread-safe.
 */
public final class ClientLocality {
  /** No header, no table: every client's locality is unknown. */
  public static final ClientLocality NONE = new ClientLocality(null, List.of());

  /**
   * One line of the table: clients in {@code cidr} are in {@code zone}.
   *
   * @param cidr the network
   * @param zone its clients' zone
   */
  public record Block(Cidr cidr, Locality zone) {
    public Block {
      Objects.requireNonNull(cidr, "cidr");
      Objects.requireNonNull(zone, "zone");
    }

    @Override
    public String toString() {
      return cidr + " " + zone;
    }
  }

  private final String header;
  private final List<Block> blocks;
  private final Family v4;
  private final Family v6;

  /**
   * @param header the request header a trusted proxy writes the client's "region/zone" in, or
   *     null for none
   * @param blocks the table; a network may be listed once
   * @throws IllegalArgumentException when a network is listed twice or the header is not a token
   */
  public ClientLocality(String header, List<Block> blocks) {
    if (header != null && (header.isEmpty() || !HeaderRewriter.isToken(header))) {
      throw new IllegalArgumentException(
          "header: \"" + header + "\" (expected: a header name such as X-Client-Zone)");
    }
    this.header = header;
    this.blocks = List.copyOf(blocks);
    Set<Cidr> seen = new HashSet<>();
    List<Block> four = new ArrayList<>();
    List<Block> six = new ArrayList<>();
    for (Block b : this.blocks) {
      if (!seen.add(b.cidr())) {
        throw new IllegalArgumentException(
            "blocks: " + b.cidr() + " twice (expected: each network once)");
      }
      (b.cidr().network().getAddress().length == 4 ? four : six).add(b);
    }
    this.v4 = new Family(four);
    this.v6 = new Family(six);
  }

  /** The header read from trusted proxies, or null. */
  public String header() {
    return header;
  }

  /** The table, as given. */
  public List<Block> blocks() {
    return blocks;
  }

  /** Every zone the table names, sorted. */
  public List<Locality> tableZones() {
    TreeSet<Locality> zones = new TreeSet<>();
    blocks.forEach(b -> zones.add(b.zone()));
    return List.copyOf(zones);
  }

  /** True when neither a header nor a table is configured. */
  public boolean isEmpty() {
    return header == null && blocks.isEmpty();
  }

  /**
   * The zone of a request: the header's value when {@code trustedPeer} and the request has the
   * header, else the table's answer for {@code client}; null when neither knows. Event loop; no
   * allocation beyond what reading the header costs.
   */
  public String zoneOf(HttpHeaders headers, boolean trustedPeer, InetAddress client) {
    if (header != null && trustedPeer) {
      String value = headers.get(header);
      if (value != null && !value.isEmpty()) {
        return value;
      }
    }
    return client == null ? null : tableZone(client);
  }

  /**
   * The zone the table gives {@code address} ("region/zone"), by longest prefix; null when no
   * network holds it. Thread-safe.
   */
  public String tableZone(InetAddress address) {
    if (blocks.isEmpty()) {
      return null;
    }
    byte[] a = address.getAddress();
    return a.length == 4 ? v4.find(a) : v6.find(a);
  }

  @Override
  public String toString() {
    return "ClientLocality[header " + (header == null ? "none" : header) + ", "
        + blocks.size() + " networks]";
  }

  /**
   * The networks of one address family. An address is 128 bits in two longs; IPv4 sits in the
   * top 32 bits of {@code hi}, so one masking rule serves both.
   */
  private static final class Family {
    private final int[] lengths;
    private final long[][] his;
    private final long[][] los;
    private final String[][] zones;

    Family(List<Block> blocks) {
      TreeSet<Integer> lengthSet = new TreeSet<>(Comparator.reverseOrder());
      blocks.forEach(b -> lengthSet.add(b.cidr().prefixLength()));
      lengths = lengthSet.stream().mapToInt(Integer::intValue).toArray();
      his = new long[lengths.length][];
      los = new long[lengths.length][];
      zones = new String[lengths.length][];
      for (int i = 0; i < lengths.length; i++) {
        int len = lengths[i];
        List<long[]> keys = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (Block b : blocks) {
          if (b.cidr().prefixLength() == len) {
            byte[] n = b.cidr().network().getAddress();
            keys.add(new long[] {hi(n), lo(n), names.size()});
            names.add(b.zone().toString());
          }
        }
        keys.sort((x, y) -> compare(x[0], x[1], y[0], y[1]));
        his[i] = new long[keys.size()];
        los[i] = new long[keys.size()];
        zones[i] = new String[keys.size()];
        for (int k = 0; k < keys.size(); k++) {
          his[i][k] = keys.get(k)[0];
          los[i][k] = keys.get(k)[1];
          zones[i][k] = names.get((int) keys.get(k)[2]);
        }
      }
    }

    String find(byte[] address) {
      long hi = hi(address);
      long lo = lo(address);
      for (int i = 0; i < lengths.length; i++) {
        int len = lengths[i];
        long mh = hi & maskHi(len);
        long ml = lo & maskLo(len);
        int k = search(his[i], los[i], mh, ml);
        if (k >= 0) {
          return zones[i][k];
        }
      }
      return null;
    }

    private static int search(long[] hs, long[] ls, long h, long l) {
      int low = 0;
      int high = hs.length - 1;
      while (low <= high) {
        int mid = (low + high) >>> 1;
        int c = compare(hs[mid], ls[mid], h, l);
        if (c < 0) {
          low = mid + 1;
        } else if (c > 0) {
          high = mid - 1;
        } else {
          return mid;
        }
      }
      return -1;
    }

    private static int compare(long h1, long l1, long h2, long l2) {
      int c = Long.compareUnsigned(h1, h2);
      return c != 0 ? c : Long.compareUnsigned(l1, l2);
    }

    private static long maskHi(int len) {
      return len == 0 ? 0 : len >= 64 ? -1L : -1L << (64 - len);
    }

    private static long maskLo(int len) {
      return len <= 64 ? 0 : len == 128 ? -1L : -1L << (128 - len);
    }

    /** IPv4: the four bytes in the top of hi; IPv6: the first eight bytes. */
    private static long hi(byte[] a) {
      long v = 0;
      int n = Math.min(8, a.length);
      for (int i = 0; i < n; i++) {
        v = (v << 8) | (a[i] & 0xff);
      }
      return a.length == 4 ? v << 32 : v;
    }

    private static long lo(byte[] a) {
      if (a.length == 4) {
        return 0;
      }
      long v = 0;
      for (int i = 8; i < 16; i++) {
        v = (v << 8) | (a[i] & 0xff);
      }
      return v;
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ClientLocality other && Objects.equals(header, other.header)
        && blocks.equals(other.blocks);
  }

  @Override
  public int hashCode() {
    return Objects.hash(header, blocks);
  }
}
