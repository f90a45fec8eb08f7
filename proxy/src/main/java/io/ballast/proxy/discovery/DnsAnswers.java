package io.ballast.proxy.discovery;

import io.ballast.core.Backend;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.dns.DefaultDnsRecordDecoder;
import io.netty.handler.codec.dns.DnsRawRecord;
import io.netty.handler.codec.dns.DnsRecord;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsResponse;
import io.netty.handler.codec.dns.DnsResponseCode;
import io.netty.handler.codec.dns.DnsSection;
import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reads the answer section of one DNS response into plain values (addresses, SRV records, the
 * smallest TTL), before the response's buffers are released.
 *
 * <p>Stateless and thread-safe.
 */
final class DnsAnswers {
  /** CNAME chains longer than this are a loop or a misconfiguration. */
  private static final int MAX_CNAMES = 16;

  private DnsAnswers() {}

  /** One SRV record (RFC 2782); {@code target} is "" for ".", "service not offered here". */
  record Srv(int priority, int weight, int port, String target) {}

  /**
   * What one query found: the records of the asked type owned by the name or the end of its
   * CNAME chain (addresses as IP literals, or SRV records), or why there were none.
   *
   * @param failure null when records were found
   * @param ttl the smallest TTL of the records used, CNAMEs included; -1 on failure
   */
  record Answer(
      DnsFailure failure, String detail, List<String> addresses, List<Srv> srv, long ttl) {
    static Answer failed(DnsFailure failure, String detail) {
      return new Answer(failure, detail, List.of(), List.of(), -1);
    }
  }

  /** Reads {@code response} to a question of {@code type} about {@code name}. */
  static Answer read(DnsResponse response, String name, DnsRecordType type) {
    DnsResponseCode code = response.code();
    if (code.equals(DnsResponseCode.NXDOMAIN)) {
      return Answer.failed(DnsFailure.NXDOMAIN, "no such name");
    }
    if (code.equals(DnsResponseCode.SERVFAIL)) {
      return Answer.failed(DnsFailure.SERVFAIL, "SERVFAIL");
    }
    if (!code.equals(DnsResponseCode.NOERROR)) {
      return Answer.failed(DnsFailure.REFUSED, code.toString());
    }
    int count = response.count(DnsSection.ANSWER);
    // A recursive answer carries the CNAME chain before the records of its last name.
    Map<String, DnsRawRecord> cnames = new HashMap<>();
    for (int i = 0; i < count; i++) {
      DnsRecord r = response.recordAt(DnsSection.ANSWER, i);
      if (r.type() == DnsRecordType.CNAME && r instanceof DnsRawRecord raw) {
        cnames.put(normalize(r.name()), raw);
      }
    }
    String owner = normalize(name);
    long ttl = Long.MAX_VALUE;
    for (int hops = 0; cnames.containsKey(owner); hops++) {
      if (hops == MAX_CNAMES) {
        return Answer.failed(DnsFailure.MALFORMED, "CNAME chain longer than " + MAX_CNAMES);
      }
      DnsRawRecord cname = cnames.get(owner);
      ttl = Math.min(ttl, cname.timeToLive());
      owner = normalize(DefaultDnsRecordDecoder.decodeName(cname.content().duplicate()));
    }
    List<String> addresses = new ArrayList<>();
    List<Srv> srv = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      DnsRecord r = response.recordAt(DnsSection.ANSWER, i);
      if (r.type() != type || !(r instanceof DnsRawRecord raw)
          || !normalize(r.name()).equals(owner)) {
        continue;
      }
      ByteBuf content = raw.content();
      if (type == DnsRecordType.SRV) {
        srv.add(srv(content));
      } else {
        addresses.add(address(content, type));
      }
      ttl = Math.min(ttl, r.timeToLive());
    }
    if (addresses.isEmpty() && srv.isEmpty()) {
      return Answer.failed(DnsFailure.NO_ANSWER, "no " + type.name() + " record"
          + (owner.equals(normalize(name)) ? "" : " for " + owner + " (by CNAME)"));
    }
    return new Answer(null, "", List.copyOf(addresses), List.copyOf(srv), ttl);
  }

  /** An A (4 bytes) or AAAA (16 bytes) record's address as an IP literal. */
  static String address(ByteBuf content, DnsRecordType type) {
    int expected = type == DnsRecordType.A ? 4 : 16;
    if (content.readableBytes() != expected) {
      throw new IllegalArgumentException(type.name() + " record of " + content.readableBytes()
          + " bytes (expected: " + expected + ")");
    }
    byte[] bytes = new byte[expected];
    content.getBytes(content.readerIndex(), bytes);
    try {
      // A byte array of the right length: no lookup, no exception.
      return NetUtil.toAddressString(InetAddress.getByAddress(bytes));
    } catch (UnknownHostException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * An SRV record's data: priority, weight, port (16 bits each), then the target name. The name is
   * read from a duplicate that keeps the whole message's indexes, so a compressed target (which
   * RFC 2782 forbids but some servers send) still resolves its pointers.
   */
  static Srv srv(ByteBuf content) {
    if (content.readableBytes() < 7) {
      throw new IllegalArgumentException(
          "SRV record of " + content.readableBytes() + " bytes (expected: >= 7)");
    }
    int at = content.readerIndex();
    int priority = content.getUnsignedShort(at);
    int weight = content.getUnsignedShort(at + 2);
    int port = content.getUnsignedShort(at + 4);
    String target = DefaultDnsRecordDecoder.decodeName(content.duplicate().skipBytes(6));
    return new Srv(priority, weight, port, normalize(target));
  }

  /**
   * Maps SRV weights (0..65535, relative among the records of one priority) onto ballast's
   * 1..256: each weight scaled so that the largest becomes 256, rounded, and at least 1. Ratios
   * survive to within rounding, and weight 0 ("very small chance", RFC 2782) becomes 1, the
   * smallest ballast weight.
   *
   * <p>Worked example, weights {60, 30, 10, 0}: the largest, 60, becomes 256; 30 × 256/60 = 128;
   * 10 × 256/60 = 42.7 → 43; 0 → 1. So 256:128:43:1 for 60:30:10:0. All zero: every target 1.
   * A weight below largest/512 rounds to 1 like 0 does.
   */
  static int ballastWeight(int srvWeight, int largest) {
    if (largest == 0) {
      return 1;
    }
    long scaled = Math.round(srvWeight * (double) Backend.MAX_WEIGHT / largest);
    return (int) Math.max(1, Math.min(Backend.MAX_WEIGHT, scaled));
  }

  /** Lower case without the trailing dot; "" for the root, ".". */
  static String normalize(String name) {
    String n = name.toLowerCase(Locale.ROOT);
    return n.endsWith(".") ? n.substring(0, n.length() - 1) : n;
  }
}
