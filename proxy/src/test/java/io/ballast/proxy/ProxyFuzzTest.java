package io.ballast.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.ballast.core.retry.RetrySettings;
import io.ballast.proxy.fuzz.RequestMutator;
import io.ballast.proxy.fuzz.StrictParser;
import io.ballast.proxy.http1.DecoderHarness;
import io.ballast.proxy.http1.DecoderHarness.Framed;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.util.ResourceLeakDetector;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzzes the whole proxy over loopback: each of {@link RequestMutator}'s inputs goes to ballast
 * on its own connection (in a few writes), in front of a {@link RecordingBackend}. For each input:
 * ballast answers every request it should within 5 s (no hang), and every request the backend
 * received is well-formed to a strict parser and is one of the requests ballast's own framing
 * found in the input ({@link DecoderHarness}: same method, Host, target and body, in order), so
 * that no request the proxy did not frame itself (a smuggled one) ever reaches a backend.
 *
 * <p>The suite runs {@code fuzz.proxy.inputs} (800 by default) from {@code fuzz.seed};
 * {@code bench/fuzz.sh} runs more.
 */
class ProxyFuzzTest {
  private static final long INPUTS = Long.getLong("fuzz.proxy.inputs", 800);
  private static final long SEED = Long.getLong("fuzz.seed", 16);

  @Test
  @Timeout(value = 60, unit = TimeUnit.MINUTES)
  void theBackendOnlyEverGetsRequestsBallastFramedItself() throws Exception {
    LeakWatch leaks = LeakWatch.install();
    run(INPUTS, SEED);
    assertThat(leaks.leaks()).isEmpty();
  }

  /** A longer run: {@code [inputs [seed]]}; bench/fuzz.sh starts it. */
  public static void main(String[] args) throws Exception {
    run(args.length > 0 ? Long.parseLong(args[0]) : 100_000,
        args.length > 1 ? Long.parseLong(args[1]) : SEED);
    // Netty's and the fixture's threads are not daemons.
    System.exit(0);
  }

  static void run(long inputs, long seed) throws Exception {
    String leaks = System.getProperty("fuzz.leakDetection");
    if (leaks != null) {
      ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.valueOf(
          leaks.toUpperCase(Locale.ROOT)));
    }
    ProxySettings settings = ProxySettings.defaults();
    HttpDecoderConfig config = SharedState.of(settings, ProxyObserver.NONE).decoder();
    RequestMutator mutator = new RequestMutator(seed);
    long forwarded = 0;
    java.util.ArrayDeque<List<Framed>> recent = new java.util.ArrayDeque<>();
    long received = 0;
    long start = System.nanoTime();
    try (RecordingBackend backend = new RecordingBackend();
        ProxyFixture f = ProxyFixture.inFrontOf(settings,
            RetrySettings.DEFAULTS.withMaxAttempts(1), backend.port())) {
      for (long i = 0; i < inputs; i++) {
        byte[] input = mutator.next();
        int[] splits = mutator.splits(input.length);
        List<Framed> framed = DecoderHarness.frame(input, splits, config, f.address);
        int mark = backend.received.size();
        String context = "input " + i + " (seed " + seed + "): " + StrictParser.printable(input);
        int answers = exchange(f, input, splits, framed, expectedAnswers(framed), context);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (f.members.get(0).load().inFlight() != 0 || !backend.settled()) {
          assertThat(System.nanoTime()).as("settled after " + context).isLessThan(deadline);
          Thread.sleep(1);
        }
        List<RecordingBackend.Entry> got =
            new ArrayList<>(backend.received.subList(mark, backend.received.size()));
        check(recent, framed, got, context + "; answers " + answers);
        recent.addFirst(framed.stream().filter(Framed::forwarded).toList());
        if (recent.size() > 8) {
          recent.removeLast();
        }
        forwarded += framed.stream().filter(Framed::forwarded).count();
        received += got.size();
      }
      double took = (System.nanoTime() - start) / 1e9;
      System.out.printf("proxy fuzz: %,d inputs from seed %d in %.1f s (%,.0f inputs/s); ballast"
          + " framed %,d requests to forward, the backend received %,d%n", inputs, seed, took,
          inputs / took, forwarded, received);
      // And it still serves.
      assertThat(f.raw("GET /after HTTP/1.1\r\nHost: a.example\r\nConnection: close\r\n\r\n"))
          .startsWith("HTTP/1.1 200");
    }
  }

  /** Responses ballast owes: one per complete forwarded request, and one for a refusal. */
  private static int expectedAnswers(List<Framed> framed) {
    int n = 0;
    for (Framed f : framed) {
      if (!f.forwarded() || f.brokenBody()) {
        return n + 1;
      }
      if (!f.complete()) {
        return n;
      }
      n++;
    }
    return n;
  }

  /** Sends {@code input} and reads answers until {@code expected} came or ballast closed. */
  private static int exchange(ProxyFixture f, byte[] input, int[] splits, List<Framed> framed,
      int expected, String context) throws IOException {
    try (Socket s = f.socket()) {
      OutputStream out = s.getOutputStream();
      InputStream in = new BufferedInputStream(s.getInputStream());
      try {
        int at = 0;
        for (int size : splits) {
          out.write(input, at, size);
          out.flush();
          at += size;
        }
      } catch (SocketException e) {
        // Refused and closed before all of it was written.
      }
      int answers = 0;
      try {
        while (answers < expected) {
          // The answer to a HEAD has no body, whatever its Content-Length says.
          int status = readResponse(in, framed.get(answers).method().equals("HEAD"));
          if (status < 0) {
            break;
          }
          if (status >= 200) {
            answers++;
          }
        }
      } catch (SocketTimeoutException e) {
        throw new AssertionError("no answer within 5 s (" + answers + " of " + expected + ") to "
            + context, e);
      } catch (SocketException e) {
        // Reset after a refusal.
      }
      return answers;
    }
  }

  /** Reads one response (head and Content-Length body); its status, or -1 at end of stream. */
  private static int readResponse(InputStream in, boolean head) throws IOException {
    StringBuilder text = new StringBuilder();
    while (text.length() < 4 || !text.substring(text.length() - 4).equals("\r\n\r\n")) {
      int c = in.read();
      if (c < 0) {
        return -1;
      }
      text.append((char) c);
    }
    long length = 0;
    for (String line : text.toString().split("\r\n")) {
      if (line.regionMatches(true, 0, "content-length:", 0, 15)) {
        length = Long.parseLong(line.substring(15).trim());
      }
    }
    if (!head) {
      in.skipNBytes(length);
    }
    return Integer.parseInt(text.substring(9, 12));
  }

  /**
   * Every received request is well-formed and one ballast framed, in order. A request whose
   * client left before its end may be recorded a few inputs late: ballast wrote it on a new
   * connection still in the backend's accept queue, then the abort took the attempt off the books
   * and closed it. So complete requests must match this input's, in order; a request cut short
   * must be the beginning of one of this input's or of the last inputs'.
   */
  private static void check(java.util.Deque<List<Framed>> recent, List<Framed> framed,
      List<RecordingBackend.Entry> got, String context) {
    List<Framed> forwarded = framed.stream().filter(Framed::forwarded).toList();
    int next = 0;
    for (RecordingBackend.Entry e : got) {
      assertThat(e.malformed()).as("backend could not parse what it got from " + context)
          .isNull();
      StrictParser.Request r = e.request();
      if (r.complete()) {
        int match = find(forwarded, next, r);
        assertThat(match).as("backend got " + r + ", which ballast did not frame from "
            + context + "; ballast framed " + forwarded + "; backend got " + got)
            .isGreaterThanOrEqualTo(0);
        next = match + 1;
        continue;
      }
      // Cut short: the beginning of one ballast framed, of this input or a recent one.
      boolean framedIt = find(forwarded, 0, r) >= 0
          || recent.stream().anyMatch(l -> find(l, 0, r) >= 0);
      assertThat(framedIt).as("backend got " + r + ", which ballast did not frame from "
          + context + "; ballast framed " + forwarded + " (before: " + recent
          + "); backend got " + got).isTrue();
    }
  }

  private static int find(List<Framed> forwarded, int from, StrictParser.Request r) {
    for (int k = from; k < forwarded.size(); k++) {
      if (same(forwarded.get(k), r)) {
        return k;
      }
    }
    return -1;
  }

  private static boolean same(Framed f, StrictParser.Request r) {
    if (!f.method().equals(r.method()) || !f.host().equals(r.host())) {
      return false;
    }
    String uri = f.uri();
    // Routing normalises paths (dot segments, percent-encodings); a fragment may be dropped.
    boolean rewritten = uri.contains("%") || uri.contains("/.") || uri.contains("#");
    if (!rewritten && !uri.equals(r.target())) {
      return false;
    }
    if (r.complete()) {
      return f.complete() && Arrays.equals(f.body(), r.body());
    }
    return f.body().length >= r.body().length
        && Arrays.equals(Arrays.copyOf(f.body(), r.body().length), r.body());
  }
}
