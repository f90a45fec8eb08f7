package io.ballast.server.pool;

import io.ballast.proxy.discovery.DnsDiscovery;
import io.ballast.proxy.discovery.DnsDiscoverySettings;
import io.netty.channel.EventLoopGroup;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The DNS resolver every pool's {@code dns:} and {@code srv:} entries share, made with the
 * configuration's {@code discovery.dns} settings (the system's nameservers by default). A reload
 * that changes those settings makes a new resolver; the pools then watch their names again on
 * it, keeping their members until the new answers arrive.
 *
 * <p>Thread-safe: {@link #use} is called by one thread at a time (start, reloads), the current
 * resolver is a volatile read.
 */
public final class Discovery implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Discovery.class);

  private final EventLoopGroup group;
  private DnsDiscoverySettings settings;
  /** Made on first use: a process without dns or srv entries runs no resolver. */
  private DnsDiscovery current;

  public Discovery(EventLoopGroup group) {
    this.group = Objects.requireNonNull(group, "group");
  }

  /**
   * Uses {@code next} from now on; true when a running resolver was replaced for it, so that the
   * pools must watch their names again (on a new resolver, made when first asked for).
   */
  public synchronized boolean use(DnsDiscoverySettings next) {
    Objects.requireNonNull(next, "next");
    if (next.equals(settings)) {
      return false;
    }
    settings = next;
    DnsDiscovery was = current;
    current = null;
    if (was != null) {
      was.close();
      log.info("discovery: new DNS settings, every dns and srv entry is looked up again");
      return true;
    }
    return false;
  }

  /** The resolver now, made with the current settings on first use. */
  public synchronized DnsDiscovery resolver() {
    if (settings == null) {
      throw new IllegalStateException("no DNS settings given yet");
    }
    if (current == null) {
      current = new DnsDiscovery(settings, group);
    }
    return current;
  }

  @Override
  public synchronized void close() {
    DnsDiscovery d = current;
    current = null;
    if (d != null) {
      d.close();
    }
  }
}
