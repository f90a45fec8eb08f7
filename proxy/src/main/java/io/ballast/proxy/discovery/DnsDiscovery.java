package io.ballast.proxy.discovery;

import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.resolver.dns.DnsServerAddressStream;
import io.netty.resolver.dns.DnsServerAddressStreamProvider;
import io.netty.resolver.dns.DnsServerAddressStreamProviders;
import io.netty.resolver.dns.SequentialDnsServerAddressStreamProvider;
import io.netty.util.NetUtil;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * DNS service discovery: keeps backend entries given by host name or SRV name resolved, on their
 * records' TTLs, and tells a listener whenever an entry's members change.
 *
 * <pre>{@code
 * DnsDiscovery dns = new DnsDiscovery(DnsDiscoverySettings.DEFAULTS, group);
 * DnsWatch w = dns.watch(DnsBackendSpec.host("api.internal", 8080, 1, Kind.ANY),
 *     update -> control.execute(
 *         () -> pool.roster().set(asMembers(update), "dns: api.internal")));
 * ...
 * dns.close();
 * }</pre>
 *
 * <p>Thread-safe. Every lookup, timer and listener call runs on one event loop of the group
 * given, and nothing blocks it: the queries are Netty's non-blocking raw DNS queries.
 */
public final class DnsDiscovery implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(DnsDiscovery.class);

  private final DnsDiscoverySettings settings;
  private final EventLoop loop;
  private final DnsQueries queries;
  private final DnsLookup lookup;
  private final String nameservers;
  private final List<DnsWatch> watches = new CopyOnWriteArrayList<>();
  private volatile boolean closed;

  /**
   * Resolves on one loop of {@code group} with {@code settings}: the listed nameservers, or the
   * system's (/etc/resolv.conf, which Netty re-reads every five minutes) when the list is empty.
   */
  public DnsDiscovery(DnsDiscoverySettings settings, EventLoopGroup group) {
    this.settings = Objects.requireNonNull(settings, "settings");
    this.loop = Objects.requireNonNull(group, "group").next();
    DnsServerAddressStreamProvider servers = settings.nameservers().isEmpty()
        ? DnsServerAddressStreamProviders.platformDefault()
        : new SequentialDnsServerAddressStreamProvider(settings.nameservers());
    this.nameservers = describe(servers, settings.nameservers().isEmpty());
    this.queries = new DnsQueries(loop, servers, settings.timeout().toMillis());
    this.lookup = new DnsLookup(queries);
    LOG.info("DNS discovery asks {}, refresh on TTL within {} ms..{} ms, {} ms per query",
        nameservers, settings.minRefresh().toMillis(), settings.maxRefresh().toMillis(),
        settings.timeout().toMillis());
  }

  /**
   * Starts resolving {@code spec}: the first lookup goes out at once, and {@code listener} hears
   * of its members when it finds some. A name that does not resolve yet is kept being looked up,
   * with no members until it does.
   */
  public synchronized DnsWatch watch(DnsBackendSpec spec, DnsListener listener) {
    if (closed) {
      throw new IllegalStateException("DNS discovery closed");
    }
    DnsWatch w = new DnsWatch(spec, listener, lookup, settings, loop, watches::remove);
    watches.add(w);
    w.start();
    return w;
  }

  /** The entries being resolved. */
  public List<DnsWatch> watches() {
    return List.copyOf(watches);
  }

  public DnsDiscoverySettings settings() {
    return settings;
  }

  /** Where the queries go, for logs: {@code [127.0.0.1:5353] (listed)}. */
  public String nameservers() {
    return nameservers;
  }

  /** Stops every watch and closes the resolver's channels. Idempotent. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    for (DnsWatch w : new ArrayList<>(watches)) {
      w.close();
    }
    try {
      loop.execute(queries::close);
    } catch (RejectedExecutionException e) {
      // The loop is gone and its channels with it.
    }
  }

  private static String describe(DnsServerAddressStreamProvider servers, boolean system) {
    DnsServerAddressStream stream = servers.nameServerAddressStream("");
    List<String> list = new ArrayList<>();
    for (int i = 0; i < stream.size(); i++) {
      list.add(NetUtil.toSocketAddressString(stream.next()));
    }
    return list + (system ? " (the system's, /etc/resolv.conf)" : " (listed)");
  }
}
