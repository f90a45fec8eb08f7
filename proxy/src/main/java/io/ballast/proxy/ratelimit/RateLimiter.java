package io.ballast.proxy.ratelimit;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.TimeMeter;
import java.net.InetAddress;
import java.time.Duration;
import java.util.Objects;

/**
 * The buckets of one {@link RateLimitSpec}: Bucket4j token buckets (greedy refill: a rate of 100
 * a second adds a token every 10 ms, not 100 at the turn of each second), one per key, kept in a
 * bounded cache so that a client rotating addresses or API keys cannot grow memory without
 * bound. A bucket that has not been used for as long as it takes to fill up is full anyway and
 * is dropped; past {@code maxKeys} the least recently used go first (such a key starts again with
 * a full bucket, which is what it would have after a quiet spell).
 *
 * <p>Worked example, 10 a second, burst 20, per client: a client that sends 30 requests at once
 * gets 20 through and 10 refused with {@code Retry-After: 1} (the next token comes in 100 ms;
 * Retry-After counts whole seconds, rounded up); 500 ms later it has 5 tokens again.
 *
 * <p>The buckets live in this process. Bucket4j's proxy managers keep the same buckets in Redis
 * (one bucket per key, shared by every instance); {@link #bucket} is the one place that would
 * change.
 *
 * <p>Thread-safe and non-blocking: event loops call {@link #acquire} concurrently; a bucket is a
 * CAS on its state.
 */
public final class RateLimiter {
  private final RateLimitSpec spec;
  private final TimeMeter time;
  private final Cache<Object, Bucket> buckets;
  private final Object global = new Object();

  public RateLimiter(RateLimitSpec spec) {
    this(spec, TimeMeter.SYSTEM_NANOTIME);
  }

  /** With its own clock, for tests: {@code time} must be monotonic and not wall-clock based. */
  public RateLimiter(RateLimitSpec spec, TimeMeter time) {
    this.spec = Objects.requireNonNull(spec, "spec");
    this.time = Objects.requireNonNull(time, "time");
    long fill = Math.max(Duration.ofSeconds(1).toNanos(),
        (long) ((double) spec.burst() * spec.period().toNanos() / spec.tokens()));
    this.buckets = Caffeine.newBuilder()
        .maximumSize(spec.maxKeys())
        .expireAfterAccess(Duration.ofNanos(fill))
        .ticker(time::currentTimeNanos)
        .executor(Runnable::run)
        .build();
  }

  public RateLimitSpec spec() {
    return spec;
  }

  /**
   * Takes a token for a request from {@code client} whose value of the spec's header is
   * {@code headerValue} (null when absent or when the key is no header): null when it may go on,
   * else the refusal. An exempt client takes no token.
   */
  public Refusal acquire(InetAddress client, String headerValue) {
    if (client != null && spec.exempt().contains(client)) {
      return null;
    }
    Object key = switch (spec.key()) {
      case GLOBAL -> global;
      case CLIENT -> client;
      case HEADER -> headerValue != null ? headerValue : client;
    };
    if (key == null) {
      // No address to count by (a client that cannot be told apart): one shared bucket.
      key = global;
    }
    ConsumptionProbe p = bucket(key).tryConsumeAndReturnRemaining(1);
    if (p.isConsumed()) {
      return null;
    }
    long wait = p.getNanosToWaitForRefill();
    return new Refusal(spec, Math.max(1, (wait + 999_999_999L) / 1_000_000_000L));
  }

  /** How many buckets are kept now (at most the spec's {@code maxKeys}). */
  public long keys() {
    buckets.cleanUp();
    return buckets.estimatedSize();
  }

  private Bucket bucket(Object key) {
    return buckets.get(key, k -> Bucket.builder()
        .addLimit(limit -> limit.capacity(spec.burst()).refillGreedy(spec.tokens(), spec.period()))
        .withCustomTimePrecision(time)
        .build());
  }

  /**
   * A refused request: {@code retryAfterSeconds} until a token is back (at least 1).
   *
   * @param spec the limit that refused it
   * @param retryAfterSeconds whole seconds, rounded up
   */
  public record Refusal(RateLimitSpec spec, long retryAfterSeconds) {
    /** The {@code RateLimit-Policy} header's value (IETF httpapi ratelimit headers draft). */
    public String policyHeader() {
      return "\"" + spec.name() + "\";q=" + spec.burst() + ";w=" + spec.windowSeconds();
    }

    /** The {@code RateLimit} header's value: none left, back in {@code retryAfterSeconds}. */
    public String limitHeader() {
      return "\"" + spec.name() + "\";r=0;t=" + retryAfterSeconds;
    }
  }
}
