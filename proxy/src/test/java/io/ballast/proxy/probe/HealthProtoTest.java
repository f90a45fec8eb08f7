package io.ballast.proxy.probe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/**
 * The gRPC health call's bytes, exactly: the hand-written protobuf of HealthCheckRequest and
 * HealthCheckResponse, gRPC's message prefix, and the probe's header and reason texts.
 */
class HealthProtoTest {
  private static final HexFormat HEX = HexFormat.ofDelimiter(" ");

  /** "0a 02 61 62"; runs of spaces group fields for the reader. */
  private static byte[] hex(String s) {
    return HEX.parseHex(s.strip().replaceAll(" +", " "));
  }

  private static String hex(byte[] b) {
    return HEX.formatHex(b);
  }

  @Test
  void aRequestIsField1AsALengthDelimitedUtf8String() {
    assertThat(hex(HealthProto.request("ab"))).isEqualTo("0a 02 61 62");
    // A non-ASCII name: its UTF-8 length, not its char count.
    assertThat(hex(HealthProto.request("é"))).isEqualTo("0a 02 c3 a9");
    // 200 needs two varint bytes: 200 = 0b1_1001000 -> c8 01.
    byte[] long200 = HealthProto.request("x".repeat(200));
    assertThat(long200).hasSize(203);
    assertThat(hex(java.util.Arrays.copyOf(long200, 4))).isEqualTo("0a c8 01 78");
    // 16384 = 2^14 needs three: 80 80 01.
    assertThat(hex(java.util.Arrays.copyOf(HealthProto.request("y".repeat(16384)), 4)))
        .isEqualTo("0a 80 80 01");
  }

  @Test
  void theWholeServerIsTheEmptyRequest() {
    // proto3 leaves a field at its default off the wire.
    assertThat(HealthProto.request("")).isEmpty();
    assertThat(hex(HealthProto.frame(HealthProto.request("")))).isEqualTo("00 00 00 00 00");
  }

  @Test
  void aMessageGoesOutBehindFlagAndBigEndianLength() {
    assertThat(hex(HealthProto.frame(hex("0a 02 61 62")))).isEqualTo("00 00 00 00 04 0a 02 61 62");
    byte[] big = HealthProto.frame(new byte[0x010203]);
    assertThat(hex(java.util.Arrays.copyOf(big, 5))).isEqualTo("00 00 01 02 03");
    assertThat(HealthProto.unframe(hex("00 00 00 00 02 08 01"))).isEqualTo(hex("08 01"));
    assertThat(HealthProto.unframe(hex("00 00 00 00 00"))).isEmpty();
  }

  @Test
  void unframingRefusesWhatIsNotOneUncompressedMessage() {
    assertThatThrownBy(() -> HealthProto.unframe(hex("00 00 00")))
        .hasMessage("response of 3 bytes (expected: a 5-byte message prefix and a message)");
    assertThatThrownBy(() -> HealthProto.unframe(hex("01 00 00 00 02 08 01")))
        .hasMessage("compressed message (flag 1; expected: 0, none was asked for)");
    assertThatThrownBy(() -> HealthProto.unframe(hex("00 00 00 00 03 08 01")))
        .hasMessage("message length 3 with 2 bytes after the prefix"
            + " (expected: exactly one message)");
    assertThatThrownBy(() -> HealthProto.unframe(hex("00 80 00 00 00 08 01")))
        .hasMessageStartingWith("message length 2147483648 with 2 bytes");
  }

  @Test
  void theResponseStatusIsField1AsAVarint() {
    assertThat(HealthProto.status(hex("08 01"))).isEqualTo(HealthProto.SERVING);
    assertThat(HealthProto.status(hex("08 02"))).isEqualTo(2);
    assertThat(HealthProto.status(hex("08 03"))).isEqualTo(3);
    // Absent: proto3's default, UNKNOWN.
    assertThat(HealthProto.status(new byte[0])).isZero();
    // Multi-byte varint: 96 01 = 0x16 + (1 << 7) = 150.
    assertThat(HealthProto.status(hex("08 96 01"))).isEqualTo(150);
    // Repeated: the last one wins, as protobuf parsers do.
    assertThat(HealthProto.status(hex("08 02 08 01"))).isEqualTo(1);
  }

  @Test
  void unknownFieldsOfEveryWireTypeAreSkipped() {
    // field 2 string "abc", field 3 fixed64, field 4 fixed32, field 5 varint, then status.
    assertThat(HealthProto.status(hex(
        "12 03 61 62 63  19 01 02 03 04 05 06 07 08  25 01 02 03 04  28 ff 01  08 01")))
        .isEqualTo(1);
  }

  @Test
  void malformedResponsesSayWhatIsWrong() {
    assertThatThrownBy(() -> HealthProto.status(hex("08")))
        .hasMessage("varint cut off at byte 1 (expected: a last byte without the high bit)");
    assertThatThrownBy(() -> HealthProto.status(hex("08 80")))
        .hasMessage("varint cut off at byte 2 (expected: a last byte without the high bit)");
    assertThatThrownBy(() -> HealthProto.status(hex("0b 00")))
        .hasMessage("wire type 3 of field 1 (expected: 0, 1, 2 or 5)");
    assertThatThrownBy(() -> HealthProto.status(hex("12 05 61")))
        .hasMessage("field of 5 bytes with 1 left (expected: a field within the message)");
    assertThatThrownBy(() -> HealthProto.status(hex("00 01")))
        .hasMessage("field number 0 (expected: >= 1)");
    assertThatThrownBy(() -> HealthProto.status(hex("08 ff ff ff ff ff ff ff ff ff ff 01")))
        .hasMessage("varint longer than 10 bytes (expected: at most 10)");
  }

  @Test
  void statusNamesAreTheEnumsAndNumbersBeyondIt() {
    assertThat(HealthProto.statusName(0)).isEqualTo("UNKNOWN");
    assertThat(HealthProto.statusName(1)).isEqualTo("SERVING");
    assertThat(HealthProto.statusName(2)).isEqualTo("NOT_SERVING");
    assertThat(HealthProto.statusName(3)).isEqualTo("SERVICE_UNKNOWN");
    assertThat(HealthProto.statusName(7)).isEqualTo("status 7");
  }

  @Test
  void grpcTimeoutIsMillisecondsInAtMostEightDigits() {
    assertThat(GrpcHealthProbe.grpcTimeout(Duration.ofSeconds(1))).isEqualTo("1000m");
    assertThat(GrpcHealthProbe.grpcTimeout(Duration.ofMillis(250))).isEqualTo("250m");
    assertThat(GrpcHealthProbe.grpcTimeout(Duration.ofNanos(10))).isEqualTo("1m");
    assertThat(GrpcHealthProbe.grpcTimeout(Duration.ofMillis(99_999_999))).isEqualTo("99999999m");
    assertThat(GrpcHealthProbe.grpcTimeout(Duration.ofMillis(100_000_000))).isEqualTo("100000S");
  }

  @Test
  void grpcFailuresNameTheCodeAndWhatItMeansForAHealthCheck() {
    assertThat(GrpcHealthProbe.grpcFailure(12, "Method not found", ""))
        .isEqualTo("grpc status 12 UNIMPLEMENTED (no health service)");
    assertThat(GrpcHealthProbe.grpcFailure(5, "unknown service", "x"))
        .isEqualTo("grpc status 5 NOT_FOUND (unknown service \"x\")");
    assertThat(GrpcHealthProbe.grpcFailure(14, "draining", "x"))
        .isEqualTo("grpc status 14 UNAVAILABLE: draining");
    assertThat(GrpcHealthProbe.grpcFailure(16, null, "x"))
        .isEqualTo("grpc status 16 UNAUTHENTICATED");
    assertThat(GrpcHealthProbe.grpcFailure(99, "", "x")).isEqualTo("grpc status 99");
    assertThat(GrpcHealthProbe.grpcFailure(2, "m".repeat(300), "x"))
        .isEqualTo("grpc status 2 UNKNOWN: " + "m".repeat(200) + "...");
  }

  @Test
  void aServiceIsForGrpcChecksOnlyAndBodyTextForHttpOnly() {
    Duration s = Duration.ofSeconds(1);
    assertThat(HealthCheckSpec.grpc("my.pkg.Api", s, s).service()).isEqualTo("my.pkg.Api");
    assertThat(HealthCheckSpec.tcp(s, s).service()).isEmpty();
    assertThatThrownBy(() -> new HealthCheckSpec("/", null, s, s, null, HealthCheckSpec.Kind.TCP,
        "GET", null, "x"))
        .hasMessage("service: \"x\" on a TCP check (expected: GRPC only)");
    assertThatThrownBy(() -> new HealthCheckSpec("/", null, s, s, null, HealthCheckSpec.Kind.GRPC,
        "GET", "ok", ""))
        .hasMessage("bodyContains: set on a GRPC check (expected: HTTP only)");
    assertThatThrownBy(() -> HealthCheckSpec.grpc("a\nb", s, s))
        .hasMessage("service: 3 characters (expected: at most 1024, no control characters)");
  }
}
