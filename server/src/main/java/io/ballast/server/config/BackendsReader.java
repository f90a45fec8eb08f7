package io.ballast.server.config;

import io.ballast.core.AdminState;
import io.ballast.core.Backend;
import io.ballast.core.zone.Locality;
import io.ballast.proxy.discovery.DnsBackendSpec.Kind;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Reads a pool's {@code backends}: each entry is a static backend ({@code address}) or a DNS
 * entry ({@code dns} with {@code port}, or {@code srv}) whose members the resolver finds. The
 * options that make sense for a group ({@code state}, {@code cost}, {@code zone}) are read the
 * same way for both and apply to every member of a DNS entry. Not thread-safe: one load at a
 * time.
 */
final class BackendsReader {
  private static final List<String> FORMS = List.of("address", "dns", "srv");
  /** Every key an entry may have, to still catch typos in an entry of two forms. */
  private static final List<String> KEYS =
      List.of("name", "port", "weight", "kind", "state", "cost", "zone");
  /** Backend names default to host:port, so they also allow '.', ':' and IPv6 brackets. */
  private static final Value<String> NAME = Value.string(
      "a name of letters, digits, '.', ':', '-', '_', '[' and ']', at most 128 characters",
      Pattern.compile("[A-Za-z0-9\\[][A-Za-z0-9._:\\[\\]-]{0,127}"));
  private static final Value<Integer> WEIGHT = Value.integer(1, Backend.MAX_WEIGHT);
  private static final Value<AdminState> STATE = Value.choice("one of active, drain, maintenance",
      Map.of("active", AdminState.ACTIVE, "drain", AdminState.DRAINING,
          "maintenance", AdminState.MAINTENANCE));
  private static final Value<Kind> KIND =
      Value.choice("one of a, aaaa, any", Map.of("a", Kind.A, "aaaa", Kind.AAAA, "any", Kind.ANY));
  /** A DNS label as the resolver takes it: '_' too, as SRV names start with it. */
  private static final Pattern LABEL = Pattern.compile("[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?");
  private static final Value<String> HOST_NAME =
      Value.textual("a host name such as api.internal", text -> dnsName(text, false));
  private static final Value<String> SRV_NAME =
      Value.textual("an SRV name such as _http._tcp.api.internal", text -> dnsName(text, true));

  /** The entries of one pool, each list in file order. */
  record Backends(List<BackendConfig> statics, List<DnsBackendConfig> dns) {}

  private final Problems problems;
  private final ZonesReader zones;

  BackendsReader(Problems problems, ZonesReader zones) {
    this.problems = problems;
    this.zones = zones;
  }

  /** The entries of {@code pool}'s {@code backends}; those with errors are left out (reported). */
  Backends backends(Section pool) {
    List<BackendConfig> statics = new ArrayList<>();
    List<DnsBackendConfig> dns = new ArrayList<>();
    Map<String, Mark> names = new LinkedHashMap<>();
    Map<String, Mark> entries = new LinkedHashMap<>();
    for (Section b : pool.list("backends", "backend")) {
      List<String> forms = b.present(FORMS);
      if (forms.size() > 1) {
        problems.error(b.keyMarkOf(forms.get(1)), b.path(forms.get(1)),
            Section.notExactlyOne(forms, "", FORMS));
        b.present(KEYS);
        b.rejectUnknown();
      } else if (forms.isEmpty() || forms.get(0).equals("address")) {
        Optional.ofNullable(staticBackend(b, names)).ifPresent(statics::add);
      } else {
        Optional.ofNullable(dnsEntry(b, forms.get(0).equals("srv"), entries)).ifPresent(dns::add);
      }
    }
    return new Backends(statics, dns);
  }

  private BackendConfig staticBackend(Section s, Map<String, Mark> names) {
    int before = problems.errorCount();
    HostPort address = s.require("address", Value.hostPort(false));
    String name = s.get("name", NAME, address == null ? null : address.toString());
    notSet(s, "port", "address has the port (expected: port only with dns)");
    Integer weight = s.get("weight", WEIGHT, BackendConfig.DEFAULT_WEIGHT);
    notSet(s, "kind", "address is one backend (expected: kind only with dns or srv)");
    AdminState state = s.get("state", STATE, AdminState.ACTIVE);
    Double cost = cost(s);
    Optional<Locality> zone = zones.backendZone(s);
    s.rejectUnknown();
    if (name != null) {
      String key = s.optional("name").isPresent() ? "name" : "address";
      Mark first = names.putIfAbsent(name, s.markOf(key));
      if (first != null) {
        problems.error(s.markOf(key), s.path("name"), "duplicate backend name '" + name
            + "' (first at " + first + "; expected: unique names within a pool; without a name,"
            + " a backend is named by its address)");
      }
    }
    if (problems.errorCount() != before) {
      return null;
    }
    return problems.build(s.mark(), s.path(),
        () -> new BackendConfig(name, address, weight, state, cost, zone));
  }

  /** A {@code dns:} or {@code srv:} entry; {@code seen} holds the entries of the pool so far. */
  private DnsBackendConfig dnsEntry(Section s, boolean srv, Map<String, Mark> seen) {
    int before = problems.errorCount();
    String key = srv ? "srv" : "dns";
    String name = s.require(key, srv ? SRV_NAME : HOST_NAME);
    notSet(s, "name", "the members of a " + key + " entry are named by the name and the address"
        + " they resolve to, as api.internal/10.0.0.5:8080 (expected: name only with address)");
    Integer port = srv ? notSet(s, "port", "the SRV records give the ports (expected: no port"
        + " with srv)") : s.require("port", Value.integer(1, 65535));
    Integer weight = srv ? notSet(s, "weight", "the SRV records give the weights (expected: no"
        + " weight with srv)") : s.get("weight", WEIGHT, BackendConfig.DEFAULT_WEIGHT);
    Kind kind = s.get("kind", KIND, Kind.ANY);
    AdminState state = s.get("state", STATE, AdminState.ACTIVE);
    Double cost = cost(s);
    Optional<Locality> zone = zones.backendZone(s);
    s.rejectUnknown();
    if (name != null && port != null) {
      String entry = srv ? "srv entry '" + name + "'" : "dns entry '" + name + "' port " + port;
      Mark first = seen.putIfAbsent(entry, s.markOf(key));
      if (first != null) {
        problems.error(s.markOf(key), s.path(key), "duplicate " + entry + " (first at " + first
            + "; expected: each " + (srv ? "name" : "name and port") + " once per pool: the same"
            + " members would be listed twice)");
      }
    }
    if (problems.errorCount() != before) {
      return null;
    }
    return problems.build(s.mark(), s.path(),
        () -> new DnsBackendConfig(name, srv, port, weight, kind, state, cost, zone));
  }

  private Double cost(Section s) {
    return s.get("cost", Value.decimal(0.001, 1_000_000), BackendConfig.DEFAULT_COST);
  }

  /** Reports {@code key} as set where it has no meaning, {@code why}; 0 for a field left out. */
  private Integer notSet(Section s, String key, String why) {
    if (s.optional(key).isPresent()) {
      problems.error(s.keyMarkOf(key), s.path(key), "set, but " + why);
    }
    return 0;
  }

  /**
   * A host or SRV name as the resolver asks it: lower case, no trailing dot. Checked here as in
   * {@code DnsBackendSpec}, with messages for the file.
   */
  private static String dnsName(String text, boolean srv) {
    String name = text.toLowerCase(Locale.ROOT);
    name = name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
    if (HostPort.ipLiteral(name).isPresent()) {
      throw new IllegalArgumentException("'" + text + "' is an IP address (expected: a host"
          + " name; a backend at a fixed address is written address: \"host:port\")");
    }
    if (!srv && name.indexOf(':') >= 0) {
      throw new IllegalArgumentException("'" + text + "' (expected: a host name without a port;"
          + " the port goes in port:)");
    }
    if (name.isEmpty() || name.length() > 253) {
      throw new IllegalArgumentException("'" + text + "' (expected: a host name of 1..253"
          + " characters)");
    }
    for (String label : name.split("\\.", -1)) {
      if (!LABEL.matcher(label).matches()) {
        throw new IllegalArgumentException("'" + text + "' (expected: a host name of"
            + " dot-separated labels of 1..63 letters, digits, '-' or '_'; '" + label
            + "' is not one)");
      }
    }
    if (srv && !name.startsWith("_")) {
      throw new IllegalArgumentException("'" + text + "' (expected: a service name such as"
          + " _http._tcp.api.internal)");
    }
    return name;
  }
}
