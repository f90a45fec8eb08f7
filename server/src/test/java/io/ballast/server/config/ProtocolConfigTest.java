package io.ballast.server.config;

import static io.ballast.server.config.ConfigLoaderTest.BASE;
import static io.ballast.server.config.ConfigLoaderTest.errors;
import static io.ballast.server.config.ConfigLoaderTest.valid;
import static org.assertj.core.api.Assertions.assertThat;

import io.ballast.proxy.upstream.BackendProtocol;
import org.junit.jupiter.api.Test;

/** A pool's {@code protocol} and {@code max_streams_per_connection}, and their errors' lines. */
class ProtocolConfigTest {
  private static BackendProtocol protocol(String yaml) {
    return valid(BASE + yaml).config().pools().get(0).protocol();
  }

  @Test
  void http1ByDefaultH2cAndH2WithTheirStreamLimit() {
    assertThat(protocol("")).isEqualTo(BackendProtocol.HTTP1);
    assertThat(protocol("    protocol: h2c\n"))
        .isEqualTo(new BackendProtocol(BackendProtocol.Version.H2C, 100));
    assertThat(protocol("    protocol: h2\n    tls: {verify: false}\n"
        + "    max_streams_per_connection: 8\n"))
        .isEqualTo(new BackendProtocol(BackendProtocol.Version.H2, 8));
  }

  @Test
  void errorsNameTheFieldAndLine() {
    // Lines 1-8 are BASE; the pool's own fields follow from line 9.
    assertThat(errors(BASE + "    protocol: h2\n")).singleElement().asString()
        .contains("test.yaml:9:", "pools[0].protocol", "h2 needs pools[0].tls");
    assertThat(errors(BASE + "    tls: {verify: false}\n    protocol: h2c\n"))
        .singleElement().asString().contains("test.yaml:10:", "pools[0].protocol",
            "h2c is HTTP/2 in cleartext");
    assertThat(errors(BASE + "    protocol: http2\n")).singleElement().asString()
        .contains("test.yaml:9:", "'http2' (expected: http1, h2 or h2c)");
    assertThat(errors(BASE + "    protocol: h2c\n    max_streams_per_connection: 0\n"))
        .singleElement().asString().contains("test.yaml:10:",
            "pools[0].max_streams_per_connection", "0 (expected: ");
    assertThat(errors(BASE + "    max_streams_per_connection: 10\n")).singleElement().asString()
        .contains("test.yaml:9:", "set for an HTTP/1.1 pool");
  }
}
