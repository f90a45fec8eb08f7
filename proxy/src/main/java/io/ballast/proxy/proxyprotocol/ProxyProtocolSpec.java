package io.ballast.proxy.proxyprotocol;

import io.ballast.proxy.client.CidrSet;
import java.net.InetAddress;
import java.time.Duration;
import java.util.Objects;

/**
 * A listener that sits behind other balancers and takes the client's address from the PROXY
 * protocol header (version 1, text, or version 2, binary; told apart by their signatures) they
 * send first on each connection. Only peers in {@link #acceptFrom} may connect at all, and each
 * must send a header: a connection from any other address is closed at accept, and one whose
 * header is malformed or does not come within {@link #timeout} is closed before anything else
 * of it is read. Immutable.
 *
 * @param acceptFrom the front balancers' networks, at least one
 * @param timeout how long a front balancer may take to send its header
 */
public record ProxyProtocolSpec(CidrSet acceptFrom, Duration timeout) {
  /** Long enough for any front balancer on a working network; it sends the header at once. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);

  public ProxyProtocolSpec {
    Objects.requireNonNull(acceptFrom, "acceptFrom");
    if (acceptFrom.isEmpty()) {
      throw new IllegalArgumentException("accept_from: [] (expected: at least one network)");
    }
    timeout = timeout == null ? DEFAULT_TIMEOUT : timeout;
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("timeout: " + timeout + " (expected: > 0)");
    }
  }

  /** True when {@code peer} may connect (and must send a header). */
  public boolean accepts(InetAddress peer) {
    return acceptFrom.contains(peer);
  }

  @Override
  public String toString() {
    return "PROXY protocol from " + acceptFrom + " within " + timeout.toMillis() + " ms";
  }
}
