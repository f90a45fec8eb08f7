package io.ballast.core.zone;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * How zone-aware balancing keeps traffic local and where it spills.
 *
 * <p>Immutable; validated at construction with "field: value (expected: ...)" messages, and
 * against the pool's zones with {@link #checkAgainst(ZoneMap)}.
 *
 * <p><b>Minimum healthy share.</b> A zone keeps all of its clients' traffic while the available
 * share of its configured weight is at least {@code minHealthyPercent}; below it, it keeps
 * {@code available / minHealthyPercent} of that traffic and the rest spills to the next zones
 * (Envoy's overprovisioning factor of 1.4 is a minimum of about 71%). Worked example, 70%: a
 * zone of five weight-1 backends with three up has 60% available, keeps 60 / 70 = 85.7% and
 * spills 14.3%.
 *
 * <p><b>Latency matrix.</b> {@code latency} maps a zone to the zones it reaches and the
 * round-trip time between them, as config writes it ({@code eu-west-1a: {eu-west-1b: 2ms}}). A
 * key is either a full locality ("eu-west/eu-west-1a") or a bare zone name ("eu-west-1a") when
 * that name occurs in one region only. A pair may be given in either direction: the lookup tries
 * from → to first, then to → from. A pair not given costs {@code sameRegionLatency} within a
 * region and {@code crossRegionLatency} across regions. Latency orders zones within a tier
 * (see {@link ZoneAwarePickerFactory}); it never moves a zone of another region ahead of one in
 * the client's own region.
 *
 * @param minHealthyPercent 1..100: the available share of a zone's configured weight at or above
 *     which the zone keeps all of its clients' traffic
 * @param regionPriority region failover order; regions not listed come after the listed ones,
 *     nearest first, then by name
 * @param latency zone → zone → round-trip time, keys "region/zone" or a bare zone name
 * @param sameRegionLatency the cost of a pair of zones of one region that the matrix omits
 * @param crossRegionLatency the cost of a pair of zones of two regions that the matrix omits;
 *     more than {@code sameRegionLatency}
 */
public record ZoneSettings(
    int minHealthyPercent,
    List<String> regionPriority,
    Map<String, Map<String, Duration>> latency,
    Duration sameRegionLatency,
    Duration crossRegionLatency) {

  public static final int DEFAULT_MIN_HEALTHY_PERCENT = 70;
  public static final Duration DEFAULT_SAME_REGION_LATENCY = Duration.ofMillis(1);
  public static final Duration DEFAULT_CROSS_REGION_LATENCY = Duration.ofMillis(100);

  /** 70% minimum, no region priority, no latency matrix. */
  public static final ZoneSettings DEFAULTS =
      new ZoneSettings(DEFAULT_MIN_HEALTHY_PERCENT, List.of(), Map.of());

  public ZoneSettings {
    if (minHealthyPercent < 1 || minHealthyPercent > 100) {
      throw new IllegalArgumentException(
          "minHealthyPercent: " + minHealthyPercent + " (expected: 1..100)");
    }
    Objects.requireNonNull(regionPriority, "regionPriority");
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < regionPriority.size(); i++) {
      String r = regionPriority.get(i);
      String field = "regionPriority[" + i + "]";
      if (r == null || r.isBlank() || r.indexOf('/') >= 0) {
        throw new IllegalArgumentException(
            field + ": \"" + r + "\" (expected: a region name, not blank, no '/')");
      }
      if (!seen.add(r)) {
        throw new IllegalArgumentException(field + ": " + r + " (expected: each region once)");
      }
    }
    regionPriority = List.copyOf(regionPriority);
    Objects.requireNonNull(latency, "latency");
    Map<String, Map<String, Duration>> copy = new LinkedHashMap<>();
    for (Map.Entry<String, Map<String, Duration>> from : latency.entrySet()) {
      checkKey("latency", from.getKey());
      String field = "latency[" + from.getKey() + "]";
      if (from.getValue() == null) {
        throw new IllegalArgumentException(field + ": null (expected: zone -> latency)");
      }
      for (Map.Entry<String, Duration> to : from.getValue().entrySet()) {
        checkKey(field, to.getKey());
        Duration d = to.getValue();
        String pair = field + "[" + to.getKey() + "]";
        if (d == null || d.isNegative()) {
          throw new IllegalArgumentException(pair + ": " + d + " (expected: >= 0)");
        }
        if (from.getKey().equals(to.getKey()) && !d.isZero()) {
          throw new IllegalArgumentException(
              pair + ": " + d + " (expected: 0 from a zone to itself, or no entry)");
        }
      }
      copy.put(from.getKey(), Map.copyOf(from.getValue()));
    }
    latency = Map.copyOf(copy);
    Objects.requireNonNull(sameRegionLatency, "sameRegionLatency");
    Objects.requireNonNull(crossRegionLatency, "crossRegionLatency");
    if (sameRegionLatency.isNegative()) {
      throw new IllegalArgumentException(
          "sameRegionLatency: " + sameRegionLatency + " (expected: >= 0)");
    }
    if (crossRegionLatency.compareTo(sameRegionLatency) <= 0) {
      throw new IllegalArgumentException("crossRegionLatency: " + crossRegionLatency
          + " (expected: > sameRegionLatency " + sameRegionLatency + ")");
    }
  }

  /** Missing pairs cost 1 ms within a region and 100 ms across regions. */
  public ZoneSettings(int minHealthyPercent, List<String> regionPriority,
      Map<String, Map<String, Duration>> latency) {
    this(minHealthyPercent, regionPriority, latency, DEFAULT_SAME_REGION_LATENCY,
        DEFAULT_CROSS_REGION_LATENCY);
  }

  private static void checkKey(String field, String key) {
    if (key == null || key.isBlank()) {
      throw new IllegalArgumentException(
          field + ": key \"" + key + "\" (expected: region/zone or a zone name)");
    }
    if (key.indexOf('/') >= 0) {
      try {
        Locality.parse(key);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            field + ": key \"" + key + "\" (expected: region/zone or a zone name)");
      }
    }
  }

  /**
   * The round-trip time from {@code from} to {@code to}: 0 for the same zone, the matrix's entry
   * in either direction (from → to first), else the same-region or cross-region default.
   * Control plane only (it allocates).
   */
  public Duration latency(Locality from, Locality to) {
    if (from.equals(to)) {
      return Duration.ZERO;
    }
    Duration d = find(from, to);
    if (d == null) {
      d = find(to, from);
    }
    if (d != null) {
      return d;
    }
    return from.sameRegion(to) ? sameRegionLatency : crossRegionLatency;
  }

  private Duration find(Locality from, Locality to) {
    Map<String, Duration> row = latency.get(from.toString());
    Duration d = row == null ? null : entry(row, to);
    if (d == null) {
      row = latency.get(from.zone());
      d = row == null ? null : entry(row, to);
    }
    return d;
  }

  private static Duration entry(Map<String, Duration> row, Locality to) {
    Duration d = row.get(to.toString());
    return d != null ? d : row.get(to.zone());
  }

  /**
   * The rank of a region in the failover order: its index in {@link #regionPriority}, or the
   * list's size for regions not listed.
   */
  public int regionRank(String region) {
    int i = regionPriority.indexOf(region);
    return i >= 0 ? i : regionPriority.size();
  }

  /**
   * Checks that every key of the latency matrix names a zone of {@code zones}, and that a bare
   * zone name names a zone of one region only.
   *
   * @throws IllegalArgumentException naming the key and the zones that exist
   */
  public void checkAgainst(ZoneMap zones) {
    Set<String> keys = new HashSet<>(latency.keySet());
    latency.values().forEach(row -> keys.addAll(row.keySet()));
    for (String key : keys.stream().sorted().toList()) {
      List<Locality> matches = new ArrayList<>();
      for (Locality l : zones.localities()) {
        if (key.indexOf('/') >= 0 ? l.toString().equals(key) : l.zone().equals(key)) {
          matches.add(l);
        }
      }
      if (matches.isEmpty()) {
        throw new IllegalArgumentException("latency: zone " + key
            + " (expected: a zone of the pool's backends or clients: " + zones.localities() + ")");
      }
      if (matches.size() > 1) {
        throw new IllegalArgumentException("latency: zone " + key + " is in several regions "
            + matches + " (expected: region/zone)");
      }
    }
  }
}
