package io.ballast.proxy.routing;

import io.ballast.proxy.client.Cidr;
import java.util.List;
import java.util.Set;

/**
 * A request a route refuses, with the status to refuse it with: every condition given must hold
 * (methods, path, headers, client addresses); at least one is given. Client addresses are the
 * real client's: behind trusted proxies, the address they forwarded for. Immutable and
 * thread-safe.
 *
 * @param methods refused methods; empty for any
 * @param path refused paths, or null for any
 * @param headers header conditions (all must hold); empty for none
 * @param clients client networks; empty for any client
 * @param status the answer, 400..599
 */
public record DenyRule(Set<String> methods, PathMatch path, List<RouteMatch.HeaderMatch> headers,
    List<Cidr> clients, int status) {
  public DenyRule {
    methods = Set.copyOf(methods);
    headers = List.copyOf(headers);
    clients = List.copyOf(clients);
    if (methods.isEmpty() && path == null && headers.isEmpty() && clients.isEmpty()) {
      throw new IllegalArgumentException(
          "deny rule: no condition (expected: at least one of methods, path, headers, clients)");
    }
    if (status < 400 || status > 599) {
      throw new IllegalArgumentException("status: " + status + " (expected: 400..599)");
    }
  }

  boolean matches(RequestFacts r) {
    if (!methods.isEmpty() && !methods.contains(r.method())) {
      return false;
    }
    if (path != null && !path.matches(r.path())) {
      return false;
    }
    for (RouteMatch.HeaderMatch h : headers) {
      if (!h.matches(r)) {
        return false;
      }
    }
    if (!clients.isEmpty()) {
      if (r.client() == null) {
        return false;
      }
      for (Cidr c : clients) {
        if (c.contains(r.client())) {
          return true;
        }
      }
      return false;
    }
    return true;
  }
}
