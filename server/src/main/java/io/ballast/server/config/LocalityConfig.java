package io.ballast.server.config;

import io.ballast.core.zone.Locality;
import io.ballast.proxy.client.ClientLocality;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * How ballast finds a client's zone: a request header that trusted proxies set, and a table of
 * networks read from a file. Immutable.
 *
 * @param header the header a trusted proxy writes the client's "region/zone" in; empty for none
 * @param cidrFile the file the table was read from; empty for none
 * @param blocks the table: networks and their zones, as the file lists them
 */
public record LocalityConfig(Optional<String> header, Optional<Path> cidrFile,
    List<ClientLocality.Block> blocks) {
  /** No locality: every client's zone is unknown. */
  public static final LocalityConfig NONE =
      new LocalityConfig(Optional.empty(), Optional.empty(), List.of());

  public LocalityConfig {
    Objects.requireNonNull(header, "header");
    Objects.requireNonNull(cidrFile, "cidrFile");
    blocks = List.copyOf(blocks);
    if (cidrFile.isEmpty() && !blocks.isEmpty()) {
      throw new IllegalArgumentException(
          "blocks: " + blocks.size() + " networks (expected: none without a cidr_file)");
    }
  }

  /** The proxy's form: validated again (a network listed twice, a header that is no token). */
  public ClientLocality toClientLocality() {
    return new ClientLocality(header.orElse(null), blocks);
  }

  /** Every zone the table names, sorted: clients there get a plan even without backends there. */
  public List<Locality> tableZones() {
    return toClientLocality().tableZones();
  }
}
