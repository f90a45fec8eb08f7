package io.ballast.server.config;

import io.ballast.core.optimizer.WeightControlSettings;
import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * A pool's {@code weight_control} section: the controller's settings and where scaling signals
 * are posted. Immutable.
 *
 * @param settings the weight controller's settings
 * @param webhook an http(s) URL that receives each scaling event as JSON; empty for none
 * @param webhookTimeout how long one post may take
 */
public record WeightControlConfig(WeightControlSettings settings, Optional<URI> webhook,
    Duration webhookTimeout) {
  public static final Duration DEFAULT_WEBHOOK_TIMEOUT = Duration.ofSeconds(5);

  public WeightControlConfig {
    Objects.requireNonNull(settings, "settings");
    Objects.requireNonNull(webhook, "webhook");
    Checks.positive("webhookTimeout", webhookTimeout);
    webhook.ifPresent(u -> {
      if (!"http".equals(u.getScheme()) && !"https".equals(u.getScheme()) || u.getHost() == null) {
        throw new IllegalArgumentException(
            "scaling.webhook: " + u + " (expected: an http:// or https:// URL with a host)");
      }
    });
  }
}
