package io.ballast.server.optimizer;

import io.ballast.core.optimizer.ScalingSignal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Posts each scaling event of a pool as JSON to the configured URL:
 *
 * <pre>{@code
 * {"pool":"api","direction":"up","raised":true,"level":0.86,"sustained_ms":300000,
 *  "backends":3,"message":"pool api: cpu 0.86 for 5m, add about 3 backends",
 *  "at":"2026-01-01T12:00:00Z"}
 * }</pre>
 *
 * <p>Asynchronous: {@link #accept} is called on the control loop and only starts the request
 * (the JDK client sends it on its own threads, bounded by the timeout), so a slow or dead
 * receiver never holds up a control decision. A failing receiver is logged once per change of
 * outcome (first failure, a different failure, recovery), not once per event.
 *
 * <p>Threading: thread-safe. The JDK client's threads are daemon threads; nothing to close.
 */
public final class ScalingWebhook implements Consumer<ScalingSignal> {
  private static final Logger LOG = LoggerFactory.getLogger(ScalingWebhook.class);

  private final URI url;
  private final Duration timeout;
  private final HttpClient client;
  private final JsonMapper mapper = JsonMapper.builder().build();
  /** The last failure's description, or "" after a success; null before the first post. */
  private final AtomicReference<String> lastOutcome = new AtomicReference<>();

  public ScalingWebhook(URI url, Duration timeout) {
    this.url = Objects.requireNonNull(url, "url");
    this.timeout = Objects.requireNonNull(timeout, "timeout");
    this.client = HttpClient.newBuilder().connectTimeout(timeout)
        .followRedirects(HttpClient.Redirect.NEVER).build();
  }

  @Override
  public void accept(ScalingSignal s) {
    ObjectNode body = mapper.createObjectNode();
    body.put("pool", s.pool());
    body.put("direction", s.direction().label());
    body.put("raised", s.raised());
    body.put("level", s.level());
    body.put("sustained_ms", s.sustained().toMillis());
    body.put("backends", s.backends());
    body.put("message", s.message());
    body.put("at", Instant.now().toString());
    HttpRequest request = HttpRequest.newBuilder(url)
        .timeout(timeout)
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(mapper.writeValueAsString(body)))
        .build();
    client.sendAsync(request, HttpResponse.BodyHandlers.discarding()).whenComplete((res, e) -> {
      String outcome = e != null ? "failed: " + e
          : res.statusCode() / 100 == 2 ? "" : "answered status " + res.statusCode();
      String before = lastOutcome.getAndSet(outcome);
      if (outcome.equals(before)) {
        return;
      }
      if (!outcome.isEmpty()) {
        LOG.warn("scaling webhook {} {} (logged once until it changes)", url, outcome);
      } else if (before != null) {
        LOG.info("scaling webhook {} delivers again", url);
      }
    });
  }
}
