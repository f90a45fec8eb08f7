package io.ballast.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.ballast.proxy.fuzz.RequestMutator;
import io.ballast.proxy.fuzz.StrictParser;
import io.ballast.proxy.http1.DecoderHarness;
import io.ballast.proxy.http1.DecoderHarness.Framed;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.util.ResourceLeakDetector;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzzes ballast's HTTP/1.1 request framing (the real codec and checks in an EmbeddedChannel,
 * {@link DecoderHarness}) with {@link RequestMutator}'s inputs: no exception escapes, no input
 * takes long, and every request ballast would forward serialises to what a strict parser
 * ({@link StrictParser}) reads back as the same method, target, Host and field lines.
 *
 * <p>The suite runs {@code fuzz.inputs} (2,500 by default) from seed {@code fuzz.seed}, with
 * every buffer tracked for leaks (paranoid, as every test of this module); {@code bench/fuzz.sh}
 * runs a million or more with {@code fuzz.leakDetection=disabled}, as paranoid tracking costs
 * about ten times the decoding.
 */
class DecoderFuzzTest {
  private static final long INPUTS = Long.getLong("fuzz.inputs", 2_500);
  private static final long SEED = Long.getLong("fuzz.seed", 16);
  /** Hop-by-hop and framing fields: ballast writes its own. */
  private static final Set<String> FRAMING = Set.of("content-length", "transfer-encoding",
      "connection", "keep-alive", "expect", "upgrade", "te", "trailer", "proxy-connection");

  @Test
  @Timeout(value = 30, unit = TimeUnit.MINUTES)
  void framingNeverThrowsNeverStallsAndForwardsOnlyWellFormedRequests() throws IOException {
    LeakWatch leaks = LeakWatch.install();
    run(INPUTS, SEED);
    assertThat(leaks.leaks()).isEmpty();
  }

  /** The long run: {@code [inputs [seed]]}; bench/fuzz.sh starts it. */
  public static void main(String[] args) throws IOException {
    run(args.length > 0 ? Long.parseLong(args[0]) : 1_000_000,
        args.length > 1 ? Long.parseLong(args[1]) : SEED);
    // Netty's and the fixture's threads are not daemons.
    System.exit(0);
  }

  static void run(long inputs, long seed) throws IOException {
    String leaks = System.getProperty("fuzz.leakDetection");
    if (leaks != null) {
      ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.valueOf(leaks.toUpperCase()));
    }
    HttpDecoderConfig config =
        SharedState.of(ProxySettings.defaults(), ProxyObserver.NONE).decoder();
    InetSocketAddress local = new InetSocketAddress("127.0.0.1", 8080);
    RequestMutator mutator = new RequestMutator(seed);
    Map<String, Integer> outcomes = new TreeMap<>();
    long slowest = 0;
    long bytes = 0;
    long start = System.nanoTime();
    for (long i = 0; i < inputs; i++) {
      byte[] input = mutator.next();
      int[] splits = mutator.splits(input.length);
      bytes += input.length;
      long t0 = System.nanoTime();
      List<Framed> framed;
      try {
        framed = DecoderHarness.frame(input, splits, config, local);
      } catch (Throwable t) {
        throw new AssertionError("input " + i + " (seed " + seed + ") threw: "
            + StrictParser.printable(input), t);
      }
      slowest = Math.max(slowest, System.nanoTime() - t0);
      for (Framed f : framed) {
        outcomes.merge(f.forwarded() ? f.complete() ? "forwarded" : "forwarded, body incomplete"
            : f.status() + " " + kind(f.reason()), 1, Integer::sum);
        if (f.forwarded()) {
          roundTrip(i, seed, input, f);
        }
      }
      if (framed.isEmpty()) {
        outcomes.merge("nothing (incomplete head)", 1, Integer::sum);
      }
    }
    long took = System.nanoTime() - start;
    System.out.printf("decoder fuzz: %,d inputs (%,d bytes) from seed %d in %.1f s, %,.0f inputs/s,"
        + " slowest input %.1f ms%n", inputs, bytes, seed, took / 1e9, inputs / (took / 1e9),
        slowest / 1e6);
    outcomes.forEach((k, v) -> System.out.printf("  %,10d  %s%n", v, k));
    assertThat(slowest).as("slowest input, ns").isLessThan(TimeUnit.SECONDS.toNanos(2));
  }

  /** A refusal's reason without the input's bytes it may quote: its first words. */
  static String kind(String reason) {
    String prefix = "malformed request: ";
    String rest = reason.startsWith(prefix) ? reason.substring(prefix.length()) : reason;
    rest = rest.replaceAll("'[^']*'", "<name>").replaceAll("(?s)[^A-Za-z '<>()-].*", "").trim();
    return (reason.startsWith(prefix) ? prefix : "") + rest;
  }

  /** What ballast writes for {@code f} is read back as the same request by a strict parser. */
  private static void roundTrip(long i, long seed, byte[] input, Framed f)
      throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    StringBuilder head = new StringBuilder();
    head.append(f.method()).append(' ').append(f.uri()).append(" HTTP/1.1\r\n");
    int fields = 0;
    for (Map.Entry<String, String> e : f.headers()) {
      if (!FRAMING.contains(e.getKey())) {
        head.append(e.getKey()).append(": ").append(e.getValue()).append("\r\n");
        fields++;
      }
    }
    head.append("Content-Length: ").append(f.body().length).append("\r\n\r\n");
    out.writeBytes(head.toString().getBytes(StandardCharsets.ISO_8859_1));
    out.writeBytes(f.body());
    StrictParser.Request r;
    try {
      r = StrictParser.read(new ByteArrayInputStream(out.toByteArray()));
    } catch (StrictParser.Malformed e) {
      throw new AssertionError("input " + i + " (seed " + seed + "): ballast would forward "
          + StrictParser.printable(head.toString()) + " which is malformed (" + e.getMessage()
          + "); input: " + StrictParser.printable(input), e);
    }
    if (r == null || !r.method().equals(f.method()) || !r.target().equals(f.uri())
        || !r.host().equals(f.host()) || r.headers().size() != fields + 1
        || r.body().length != f.body().length) {
      fail("input " + i + " (seed " + seed + "): forwarded " + f + " reads back as " + r
          + "; input: " + StrictParser.printable(input));
    }
  }
}
