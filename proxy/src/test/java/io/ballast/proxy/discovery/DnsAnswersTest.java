package io.ballast.proxy.discovery;

import static org.assertj.core.api.Assertions.assertThat;

import io.ballast.proxy.discovery.DnsAnswers.Answer;
import io.ballast.proxy.discovery.DnsAnswers.Srv;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.DatagramPacket;
import io.netty.handler.codec.dns.DatagramDnsResponseDecoder;
import io.netty.handler.codec.dns.DefaultDnsRawRecord;
import io.netty.handler.codec.dns.DefaultDnsResponse;
import io.netty.handler.codec.dns.DnsOpCode;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsResponse;
import io.netty.handler.codec.dns.DnsResponseCode;
import io.netty.handler.codec.dns.DnsSection;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class DnsAnswersTest {

  @Test
  void srvWeightsScaleSoThatTheLargestIs256AndZeroIsOne() {
    // The worked example of ballastWeight: 60:30:10:0 -> 256:128:43:1.
    assertThat(DnsAnswers.ballastWeight(60, 60)).isEqualTo(256);
    assertThat(DnsAnswers.ballastWeight(30, 60)).isEqualTo(128);
    assertThat(DnsAnswers.ballastWeight(10, 60)).isEqualTo(43);
    assertThat(DnsAnswers.ballastWeight(0, 60)).isEqualTo(1);
    // All zero: equal. Huge SRV weights fit; tiny shares round up to the smallest weight.
    assertThat(DnsAnswers.ballastWeight(0, 0)).isEqualTo(1);
    assertThat(DnsAnswers.ballastWeight(65535, 65535)).isEqualTo(256);
    assertThat(DnsAnswers.ballastWeight(32768, 65535)).isEqualTo(128);
    assertThat(DnsAnswers.ballastWeight(1, 65535)).isEqualTo(1);
  }

  @Test
  void aCnameChainLeadsToTheAddressesAndItsTtlCounts() {
    DnsResponse r = new DefaultDnsResponse(1, DnsOpCode.QUERY, DnsResponseCode.NOERROR);
    try {
      r.addRecord(DnsSection.ANSWER, new DefaultDnsRawRecord("alias.x.", DnsRecordType.CNAME, 30,
          wireName("web.x")));
      r.addRecord(DnsSection.ANSWER, new DefaultDnsRawRecord("web.x.", DnsRecordType.A, 60,
          Unpooled.wrappedBuffer(new byte[] {10, 0, 0, 5})));
      // Another owner's record in the same answer is not ours.
      r.addRecord(DnsSection.ANSWER, new DefaultDnsRawRecord("other.x.", DnsRecordType.A, 5,
          Unpooled.wrappedBuffer(new byte[] {10, 0, 0, 6})));
      Answer a = DnsAnswers.read(r, "Alias.X", DnsRecordType.A);
      assertThat(a.failure()).isNull();
      assertThat(a.addresses()).containsExactly("10.0.0.5");
      assertThat(a.ttl()).isEqualTo(30);

      Answer none = DnsAnswers.read(r, "alias.x", DnsRecordType.AAAA);
      assertThat(none.failure()).isEqualTo(DnsFailure.NO_ANSWER);
      assertThat(none.detail()).isEqualTo("no AAAA record for web.x (by CNAME)");
    } finally {
      r.release();
    }
  }

  @Test
  void errorCodesBecomeFailures() {
    for (Object[] c : new Object[][] {
        {DnsResponseCode.NXDOMAIN, DnsFailure.NXDOMAIN},
        {DnsResponseCode.SERVFAIL, DnsFailure.SERVFAIL},
        {DnsResponseCode.REFUSED, DnsFailure.REFUSED},
        {DnsResponseCode.NOTIMP, DnsFailure.REFUSED}}) {
      DnsResponse r = new DefaultDnsResponse(1, DnsOpCode.QUERY, (DnsResponseCode) c[0]);
      assertThat(DnsAnswers.read(r, "web.x", DnsRecordType.A).failure()).isEqualTo(c[1]);
      r.release();
    }
  }

  /**
   * A compressed SRV target (RFC 2782 forbids it, some servers send it anyway) is read through
   * Netty's own decoder: its pointer into the question still resolves.
   */
  @Test
  void aCompressedSrvTargetIsFollowed() {
    ByteArrayOutputStream m = new ByteArrayOutputStream();
    m.writeBytes(new byte[] {0, 1, (byte) 0x81, (byte) 0x80, 0, 1, 0, 1, 0, 0, 0, 0});
    // Question at offset 12: _http._tcp.svc.ballast.test SRV IN; "ballast" starts at 27.
    m.writeBytes(wireBytes("_http._tcp.svc.ballast.test"));
    m.writeBytes(new byte[] {0, 33, 0, 1});
    // Answer: name -> 12, SRV IN, TTL 30, then priority 10, weight 5, port 8081, "t1" -> 27.
    m.writeBytes(new byte[] {(byte) 0xc0, 12, 0, 33, 0, 1, 0, 0, 0, 30, 0, 11});
    m.writeBytes(new byte[] {0, 10, 0, 5, 0x1f, (byte) 0x91, 2, 't', '1', (byte) 0xc0, 27});

    EmbeddedChannel ch = new EmbeddedChannel(new DatagramDnsResponseDecoder());
    InetSocketAddress ns = new InetSocketAddress("127.0.0.1", 53);
    ch.writeInbound(new DatagramPacket(Unpooled.wrappedBuffer(m.toByteArray()), ns, ns));
    DnsResponse r = ch.readInbound();
    try {
      Answer a = DnsAnswers.read(r, "_http._tcp.svc.ballast.test", DnsRecordType.SRV);
      assertThat(a.srv()).containsExactly(new Srv(10, 5, 8081, "t1.ballast.test"));
      assertThat(a.ttl()).isEqualTo(30);
    } finally {
      r.release();
      ch.finishAndReleaseAll();
    }
  }

  private static ByteBuf wireName(String name) {
    return Unpooled.wrappedBuffer(wireBytes(name));
  }

  private static byte[] wireBytes(String name) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (String label : name.split("\\.")) {
      out.write(label.length());
      out.writeBytes(label.getBytes(StandardCharsets.US_ASCII));
    }
    out.write(0);
    return out.toByteArray();
  }
}
