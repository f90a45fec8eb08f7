package io.ballast.proxy.discovery;

/**
 * Receives the member list of one DNS backend entry each time it changes (a member came, went or
 * changed weight). Lookups that find the same members call nothing.
 *
 * <p>Called on the discovery's event loop, one call at a time for all entries of one
 * {@link DnsDiscovery}; must not block: hand the update to the control loop and return.
 */
@FunctionalInterface
public interface DnsListener {
  void membersChanged(DnsUpdate update);
}
