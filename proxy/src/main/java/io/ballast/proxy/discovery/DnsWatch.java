package io.ballast.proxy.discovery;

import io.ballast.proxy.discovery.DnsLookup.Failed;
import io.ballast.proxy.discovery.DnsLookup.Found;
import io.ballast.proxy.discovery.DnsLookup.Result;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One backend entry kept resolved: looked up at once, then again when the answer's TTL runs out
 * (bounded by min_refresh and max_refresh), or after a backoff when a lookup fails. The listener
 * hears of every change of the member list; a failed lookup keeps the list.
 *
 * <p>Thread-safe readers ({@link #members()}, {@link #counters()}) and {@link #close()}; the
 * lookups and their timers run on the discovery's event loop, one lookup at a time.
 */
public final class DnsWatch implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(DnsWatch.class);

  private final DnsBackendSpec spec;
  private final DnsListener listener;
  private final DnsLookup lookup;
  private final DnsDiscoverySettings settings;
  private final EventLoop loop;
  private final Consumer<DnsWatch> onClose;
  private final DnsCounters counters = new DnsCounters();
  private volatile List<DnsMember> members = List.of();
  private volatile boolean closed;
  // Event-loop only.
  private ScheduledFuture<?> timer;
  private int failuresInRow;
  private DnsFailure logged;
  private boolean resolvedOnce;

  DnsWatch(DnsBackendSpec spec, DnsListener listener, DnsLookup lookup,
      DnsDiscoverySettings settings, EventLoop loop, Consumer<DnsWatch> onClose) {
    this.spec = Objects.requireNonNull(spec, "spec");
    this.listener = Objects.requireNonNull(listener, "listener");
    this.lookup = lookup;
    this.settings = settings;
    this.loop = loop;
    this.onClose = onClose;
  }

  /** The entry this watch resolves. */
  public DnsBackendSpec spec() {
    return spec;
  }

  /** The members in use: those of the last successful lookup, or none before the first. */
  public List<DnsMember> members() {
    return members;
  }

  /** Lookups, failures by reason, last success, member count, next lookup. */
  public DnsCounters counters() {
    return counters;
  }

  void start() {
    loop.execute(this::lookUp);
  }

  /** Stops looking up; a lookup in flight ends unheard. Idempotent. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    onClose.accept(this);
    try {
      loop.execute(this::cancelTimer);
    } catch (RejectedExecutionException e) {
      // The loop is shut down, and its timers with it.
    }
  }

  void cancelTimer() {
    if (timer != null) {
      timer.cancel(false);
      timer = null;
    }
  }

  private void lookUp() {
    timer = null;
    if (closed) {
      return;
    }
    lookup.run(spec).whenComplete((result, bug) -> {
      Result r = bug == null ? result
          : new Failed(DnsFailure.MALFORMED, "lookup failed unexpectedly: " + bug);
      if (loop.inEventLoop()) {
        finished(r);
      } else {
        loop.execute(() -> finished(r));
      }
    });
  }

  private void finished(Result result) {
    if (closed) {
      return;
    }
    if (result instanceof Found found) {
      succeeded(found);
    } else {
      Failed failed = (Failed) result;
      failed(failed.reason(), failed.detail());
    }
  }

  private void succeeded(Found found) {
    long now = System.currentTimeMillis();
    Duration refresh = settings.refreshAfter(found.ttl());
    if (failuresInRow > 0) {
      LOG.info("{}: resolving {} after {} failed lookups ({})", spec,
          resolvedOnce ? "again" : "now", failuresInRow, logged.label());
    }
    failuresInRow = 0;
    logged = null;
    resolvedOnce = true;
    counters.succeeded(now, found.members().size(), found.ttl());
    Instant next = schedule(refresh, now);
    List<DnsMember> old = members;
    if (found.members().equals(old)) {
      LOG.debug("{}: members unchanged ({}), ttl {} s", spec, old.size(), found.ttl());
      return;
    }
    members = found.members();
    DnsUpdate update = new DnsUpdate(spec, found.members(), found.ttl(), refresh, next);
    LOG.info("{}: members now {} ({}), ttl {} s, next lookup in {} ms", spec,
        found.members().size(), changes(old, found.members()), found.ttl(), refresh.toMillis());
    try {
      listener.membersChanged(update);
    } catch (RuntimeException e) {
      LOG.error("{}: the member listener failed on {}", spec, update, e);
    }
  }

  private void failed(DnsFailure reason, String detail) {
    failuresInRow++;
    counters.failed(reason);
    Duration retry = settings.retryAfter(failuresInRow);
    schedule(retry, System.currentTimeMillis());
    if (reason == logged) {
      LOG.debug("{}: lookup failed again ({}: {}), {} in a row, next try in {} ms", spec,
          reason.label(), detail, failuresInRow, retry.toMillis());
      return;
    }
    logged = reason;
    if (!resolvedOnce) {
      LOG.warn("{}: no members yet: the name does not resolve ({}: {}); it starts with none and"
          + " keeps resolving, next try in {} ms", spec, reason.label(), detail, retry.toMillis());
    } else {
      LOG.warn("{}: lookup failed ({}: {}); keeping its {} members, retrying from {} ms up to"
          + " every {} ms", spec, reason.label(), detail, members.size(), retry.toMillis(),
          settings.maxRefresh().toMillis());
    }
  }

  private Instant schedule(Duration delay, long nowMillis) {
    timer = loop.schedule(this::lookUp, delay.toNanos(), TimeUnit.NANOSECONDS);
    Instant at = Instant.ofEpochMilli(nowMillis + delay.toMillis());
    counters.scheduled(at.toEpochMilli());
    return at;
  }

  /** {@code +a, -b, c w 2->4} */
  private static String changes(List<DnsMember> before, List<DnsMember> after) {
    Set<String> names = new HashSet<>();
    List<String> parts = new ArrayList<>();
    for (DnsMember m : after) {
      names.add(m.name());
      DnsMember was = before.stream().filter(b -> b.name().equals(m.name())).findFirst()
          .orElse(null);
      if (was == null) {
        parts.add("+" + m.name());
      } else if (was.weight() != m.weight()) {
        parts.add(m.name() + " weight " + was.weight() + "->" + m.weight());
      }
    }
    for (DnsMember b : before) {
      if (!names.contains(b.name())) {
        parts.add("-" + b.name());
      }
    }
    return String.join(", ", parts);
  }

  @Override
  public String toString() {
    return spec + ": " + counters;
  }
}
