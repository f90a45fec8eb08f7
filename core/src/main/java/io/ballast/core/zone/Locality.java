package io.ballast.core.zone;

import java.util.Comparator;
import java.util.Objects;

/**
 * Where a backend runs or a client comes from: a region and a zone within it, written
 * "region/zone" ("eu-west/eu-west-1a").
 *
 * <p>Immutable. Both parts are non-blank and contain no '/', so the written form parses back to
 * the same value. Zone names are compared as given: "eu-west-1a" in region "eu-west" and
 * "eu-west-1a" in region "us-east" are two different localities.
 *
 * @param region the region, the unit of whole-region failover
 * @param zone the zone within the region, the unit of zone-aware spill
 */
public record Locality(String region, String zone) implements Comparable<Locality> {
  private static final Comparator<Locality> ORDER =
      Comparator.comparing(Locality::region).thenComparing(Locality::zone);

  public Locality {
    check("region", region);
    check("zone", zone);
  }

  /**
   * Parses "region/zone".
   *
   * @throws IllegalArgumentException with a message naming the text and the expected form
   */
  public static Locality parse(String text) {
    Objects.requireNonNull(text, "locality");
    int slash = text.indexOf('/');
    if (slash < 0 || text.indexOf('/', slash + 1) >= 0) {
      throw new IllegalArgumentException(
          "locality: \"" + text + "\" (expected: region/zone, e.g. eu-west/eu-west-1a)");
    }
    return new Locality(text.substring(0, slash), text.substring(slash + 1));
  }

  private static void check(String field, String value) {
    Objects.requireNonNull(value, field);
    if (value.isBlank()) {
      throw new IllegalArgumentException(field + ": \"" + value + "\" (expected: not blank)");
    }
    if (value.indexOf('/') >= 0) {
      throw new IllegalArgumentException(field + ": \"" + value + "\" (expected: no '/')");
    }
  }

  /** True when both are in the same region. */
  public boolean sameRegion(Locality other) {
    return region.equals(other.region);
  }

  /** By region, then zone. */
  @Override
  public int compareTo(Locality other) {
    return ORDER.compare(this, other);
  }

  /** "region/zone", the form {@link #parse} reads. */
  @Override
  public String toString() {
    return region + "/" + zone;
  }
}
