package io.ballast.server.config;

import io.ballast.core.zone.Locality;
import io.ballast.core.zone.ZoneMap;
import io.ballast.core.zone.ZoneSettings;
import io.ballast.proxy.client.Cidr;
import io.ballast.proxy.client.ClientLocality;
import io.ballast.server.config.YamlNode.Entry;
import io.ballast.server.config.YamlNode.MapNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads what zone-aware balancing needs: each backend's {@code zone}, a pool's {@code zones}
 * block (minimum healthy share, region priority, latency matrix) and the top-level
 * {@code locality} block (trusted header, network table file), and checks them against each
 * other: every backend of a pool has a zone or none does, the matrix names zones the pool knows.
 *
 * <p>Not thread-safe: one load at a time. The table file is read, never written.
 */
final class ZonesReader {
  /** Lines of a table file reported at most, so that a wrong file does not flood the output. */
  static final int MAX_FILE_ERRORS = 20;
  private static final Pattern REGION = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");
  private static final String REGION_EXPECTED =
      "a region name of letters, digits, '.', '-' and '_'";
  private static final Value<Locality> ZONE = Value.textual(
      "a zone written region/zone, e.g. eu-west/eu-west-1a", ZonesReader::locality);
  private static final Value<String> HEADER = Value.string(
      "a header name (letters, digits and !#$%&'*+.^_`|~-)", ForwardingConfig.TOKEN);
  private static final Value<Duration> DURATION = Value.duration();

  private final Problems problems;
  /** The backends of the pool being read: where each is and whether it has a zone. */
  private final List<BackendMark> backends = new ArrayList<>();
  /** Zone-aware pools: where their latency keys are, for the check against the pool's zones. */
  private final List<PoolZones> pools = new ArrayList<>();

  /** A backend of the pool being read; {@code written} when it has a zone key, valid or not. */
  private record BackendMark(String path, Mark mark, Locality zone, boolean written) {}

  private record PoolZones(String pool, List<Locality> backendZones, Map<String, Key> keys) {}

  private record Key(String path, Mark mark) {}

  ZonesReader(Problems problems) {
    this.problems = problems;
  }

  /** A backend's {@code zone}; empty when it has none or it is invalid (reported). */
  Optional<Locality> backendZone(Section backend) {
    Locality zone = backend.get("zone", ZONE, null);
    backends.add(new BackendMark(backend.path(), backend.mark(), zone,
        backend.optional("zone").isPresent()));
    return Optional.ofNullable(zone);
  }

  /**
   * The pool's zone settings: present when its backends have zones (the {@code zones} block, or
   * the defaults without one); empty when they have none. Reports a pool where some backends
   * have a zone and others not, and a {@code zones} block over backends without zones. Call once
   * per pool, after its backends.
   */
  Optional<ZoneSettings> poolZones(Section pool, String poolName) {
    List<BackendMark> marks = List.copyOf(backends);
    backends.clear();
    BackendMark zoned = marks.stream().filter(b -> b.zone() != null).findFirst().orElse(null);
    Optional<YamlNode> block = pool.optional("zones");
    if (zoned == null) {
      if (block.isPresent() && !marks.isEmpty()) {
        problems.error(pool.keyMarkOf("zones"), pool.path("zones"), "set, but no backend has a"
            + " zone (expected: zone: region/zone on every backend, e.g. zone: eu-west/eu-west-1a)");
      }
      return Optional.empty();
    }
    boolean complete = true;
    for (BackendMark b : marks) {
      if (b.zone() == null) {
        complete = false;
      }
      if (!b.written()) {
        problems.error(b.mark(), b.path() + ".zone", "missing, but " + zoned.path()
            + " at " + zoned.mark() + " has zone " + zoned.zone()
            + " (expected: a zone on every backend of the pool, or on none)");
      }
    }
    Section s = block.flatMap(n -> Section.of(n, pool.path("zones"), problems)).orElse(null);
    if (block.isPresent() && s == null) {
      return Optional.empty();
    }
    int before = problems.errorCount();
    ZoneSettings d = ZoneSettings.DEFAULTS;
    Integer min = s == null ? d.minHealthyPercent()
        : s.get("min_healthy_percent", Value.percentIn(1, 100), d.minHealthyPercent());
    List<String> priority = s == null ? d.regionPriority()
        : s.get("region_priority", Value.list(Value.string(REGION_EXPECTED, REGION), 0),
            d.regionPriority());
    Map<String, Map<String, Duration>> latency = new LinkedHashMap<>();
    Map<String, Key> keys = new LinkedHashMap<>();
    if (s != null) {
      s.optional("latency").ifPresent(n -> latency(n, s.path("latency"), latency, keys));
      s.rejectUnknown();
    }
    if (priority != null && s != null) {
      Set<String> regions = new HashSet<>();
      marks.forEach(b -> regions.add(b.zone() == null ? "" : b.zone().region()));
      for (int i = 0; i < priority.size(); i++) {
        if (!regions.contains(priority.get(i))) {
          problems.warning(s.markOf("region_priority"), s.path("region_priority") + "[" + i
              + "]", "no backend of the pool is in region " + priority.get(i)
              + " (expected one of: " + String.join(", ", new java.util.TreeSet<>(regions)) + ")");
        }
      }
    }
    if (!complete || problems.errorCount() != before) {
      return Optional.empty();
    }
    Mark at = s == null ? pool.mark() : s.mark();
    ZoneSettings settings = problems.build(at, pool.path("zones"),
        () -> new ZoneSettings(min, priority, latency));
    if (settings != null) {
      pools.add(new PoolZones(poolName,
          marks.stream().map(BackendMark::zone).toList(), keys));
    }
    return Optional.ofNullable(settings);
  }

  /** {@code latency: {eu-west/eu-west-1a: {eu-west/eu-west-1b: 2ms}}}. */
  private void latency(YamlNode n, String path, Map<String, Map<String, Duration>> out,
      Map<String, Key> keys) {
    if (!(n instanceof MapNode node)) {
      problems.error(n.mark(), path, Value.wrongType(n,
          "a mapping of zones to zones and latencies, e.g. {eu-west/eu-west-1a: {eu-west/eu-west-1b: 2ms}}"));
      return;
    }
    for (Entry from : node.entries().values()) {
      String fromPath = path + "." + from.key();
      if (!zoneKey(from.key(), from.keyMark(), fromPath)) {
        continue;
      }
      keys.putIfAbsent(from.key(), new Key(fromPath, from.keyMark()));
      if (!(from.value() instanceof MapNode row)) {
        problems.error(from.value().mark(), fromPath, Value.wrongType(from.value(),
            "a mapping of zones to latencies, e.g. {eu-west/eu-west-1b: 2ms}"));
        continue;
      }
      Map<String, Duration> targets = new LinkedHashMap<>();
      for (Entry to : row.entries().values()) {
        String toPath = fromPath + "." + to.key();
        if (!zoneKey(to.key(), to.keyMark(), toPath)) {
          continue;
        }
        keys.putIfAbsent(to.key(), new Key(toPath, to.keyMark()));
        Duration d = DURATION.read(to.value(), toPath, problems);
        if (d == null) {
          continue;
        }
        if (to.key().equals(from.key()) && !d.isZero()) {
          problems.error(to.value().mark(), toPath, Units.format(d)
              + " from a zone to itself (expected: 0, or no entry)");
          continue;
        }
        targets.put(to.key(), d);
      }
      out.put(from.key(), targets);
    }
  }

  private boolean zoneKey(String key, Mark at, String path) {
    if (key.isBlank() || key.indexOf('/') >= 0 && !isLocality(key)) {
      problems.error(at, path, "key '" + key
          + "' (expected: region/zone, e.g. eu-west/eu-west-1a, or a zone name)");
      return false;
    }
    return true;
  }

  private static boolean isLocality(String text) {
    try {
      Locality.parse(text);
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  private static Locality locality(String text) {
    return Locality.parse(text);
  }

  /**
   * The top-level {@code locality} block: {@code header} (read from trusted proxies only) and
   * {@code cidr_file}; null after reporting errors.
   */
  LocalityConfig locality(Section s, ForwardingConfig forwarding) {
    int before = problems.errorCount();
    String header = s.get("header", HEADER, null);
    String file = s.get("cidr_file", Value.string("a file path", Pattern.compile(".*\\S.*")), null);
    s.rejectUnknown();
    if (header != null && forwarding != null && forwarding.trustedProxies().isEmpty()) {
      problems.warning(s.markOf("header"), s.path("header"), header + " is read only from"
          + " trusted proxies and forwarding.trusted_proxies is empty, so it is never read"
          + " (expected: the proxies that set it in forwarding.trusted_proxies)");
    }
    if (header == null && file == null && problems.errorCount() == before) {
      problems.error(s.mark(), s.path(), "neither header nor cidr_file is set (expected: one of"
          + " them or both; without the block every client's zone is unknown)");
    }
    List<ClientLocality.Block> blocks = List.of();
    Path path = null;
    if (file != null) {
      path = tablePath(file, s.markOf("cidr_file"), s.path("cidr_file"));
      blocks = path == null ? null : table(path, s.markOf("cidr_file"), s.path("cidr_file"));
    }
    if (problems.errorCount() != before) {
      return null;
    }
    Optional<Path> p = Optional.ofNullable(path);
    List<ClientLocality.Block> b = blocks;
    return problems.build(s.mark(), s.path(),
        () -> new LocalityConfig(Optional.ofNullable(header), p, b));
  }

  /** The table's path, relative to the config file's directory ({@link ConfigPaths}). */
  private Path tablePath(String file, Mark at, String path) {
    return ConfigPaths.resolve(problems, file, at, path);
  }

  /**
   * The table file: one {@code network region/zone} per line, '#' starts a comment, blank lines
   * are skipped. Each bad line is reported at {@code at} with the file's name and line.
   */
  List<ClientLocality.Block> table(Path file, Mark at, String path) {
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (IOException | java.io.UncheckedIOException e) {
      problems.error(at, path, "cannot read '" + file + "': " + e.getClass().getSimpleName()
          + (e.getMessage() == null ? "" : " " + e.getMessage())
          + " (expected: a readable text file of lines 'network region/zone')");
      return null;
    }
    int errors = 0;
    List<ClientLocality.Block> blocks = new ArrayList<>();
    Map<Cidr, Integer> seen = new LinkedHashMap<>();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i);
      int hash = line.indexOf('#');
      String text = (hash >= 0 ? line.substring(0, hash) : line).strip();
      if (text.isEmpty()) {
        continue;
      }
      String where = file + ":" + (i + 1) + ": ";
      String problem = null;
      String[] parts = text.split("\\s+");
      if (parts.length != 2) {
        problem = "'" + text + "' (expected: a network and a zone, e.g. 10.1.0.0/16 eu-west/eu-west-1a)";
      } else {
        try {
          Cidr cidr = Cidr.parse(parts[0]);
          Locality zone = Locality.parse(parts[1]);
          Integer first = seen.putIfAbsent(cidr, i + 1);
          if (first != null) {
            problem = cidr + " again (first on line " + first + "; expected: each network once)";
          } else {
            blocks.add(new ClientLocality.Block(cidr, zone));
          }
        } catch (IllegalArgumentException e) {
          problem = e.getMessage();
        }
      }
      if (problem != null && ++errors <= MAX_FILE_ERRORS) {
        problems.error(at, path, where + problem);
      }
    }
    if (errors > MAX_FILE_ERRORS) {
      problems.error(at, path, file + ": " + (errors - MAX_FILE_ERRORS) + " more bad lines");
    }
    return errors == 0 ? blocks : null;
  }

  /**
   * Checks each zone-aware pool's latency keys against the pool's zones (its backends' and the
   * table's), and warns about a zone-aware pool whose clients' zones cannot be known. Call once,
   * after the pools and the locality block are read.
   */
  void checkPools(LocalityConfig locality, Mark top) {
    for (PoolZones p : pools) {
      List<Locality> clients = locality == null ? List.of() : locality.tableZones();
      ZoneMap zones = ZoneMap.of(p.backendZones(), clients);
      for (Map.Entry<String, Key> k : p.keys().entrySet()) {
        String key = k.getKey();
        List<Locality> matches = zones.localities().stream()
            .filter(l -> key.indexOf('/') >= 0 ? l.toString().equals(key) : l.zone().equals(key))
            .toList();
        if (matches.isEmpty()) {
          problems.error(k.getValue().mark(), k.getValue().path(), "no zone " + key
              + " in pool " + p.pool() + " (expected one of its backends' or clients' zones: "
              + String.join(", ", zones.localities().stream().map(Locality::toString).toList())
              + ")");
        } else if (matches.size() > 1) {
          problems.error(k.getValue().mark(), k.getValue().path(), "zone " + key
              + " is in several regions " + matches + " (expected: region/zone)");
        }
      }
      if (locality == LocalityConfig.NONE) {
        problems.warning(top, "locality", "pool " + p.pool() + " is zone-aware but no locality"
            + " block says where clients are, so it balances every request over all zones"
            + " (expected: locality: {header: ..., cidr_file: ...})");
      }
    }
  }
}
