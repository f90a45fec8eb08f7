package io.ballast.server.config;

import static io.ballast.server.config.ConfigLoaderTest.BASE;
import static io.ballast.server.config.ConfigLoaderTest.errors;
import static io.ballast.server.config.ConfigLoaderTest.valid;
import static org.assertj.core.api.Assertions.assertThat;

import io.ballast.proxy.proxyprotocol.ProxyProtocolSpec;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** A listener's {@code proxy_protocol} block: what it reads and the errors that name its line. */
class ProxyProtocolConfigTest {
  private static final String LISTENER =
      BASE.replace("    pool: api\n", "    pool: api\n    proxy_protocol: %s\n");

  @Test
  void readsTheFrontBalancersAndTheTimeout() {
    ProxyProtocolSpec spec = valid(LISTENER.formatted(
        "{accept_from: [10.0.0.0/8, \"2001:db8::7\"], timeout: 250ms}")).config()
        .listeners().get(0).proxyProtocol();
    assertThat(spec.acceptFrom().networks()).extracting(Object::toString)
        .containsExactly("10.0.0.0/8", "2001:db8:0:0:0:0:0:7/128");
    assertThat(spec.timeout()).isEqualTo(Duration.ofMillis(250));
    assertThat(valid(LISTENER.formatted("{accept_from: [127.0.0.1]}")).config().listeners()
        .get(0).proxyProtocol().timeout()).isEqualTo(ProxyProtocolSpec.DEFAULT_TIMEOUT);
    assertThat(valid(BASE).config().listeners().get(0).proxyProtocol()).isNull();
  }

  @Test
  void errorsNameTheFieldAndTheLine() {
    assertThat(errors(LISTENER.formatted("{}"))).containsExactly(
        "test.yaml:5:21: listeners[0].proxy_protocol.accept_from: required field is missing (expected: a list of an"
            + " address or network such as 10.0.0.0/8 or 2001:db8::/32)");
    assertThat(errors(LISTENER.formatted("{accept_from: []}"))).containsExactly(
        "test.yaml:5:35: listeners[0].proxy_protocol.accept_from: an empty list (expected: at"
            + " least 1 item)");
    assertThat(errors(LISTENER.formatted("{accept_from: [10.0.0.1/8], timeout: 0s}")))
        .hasSize(2).anySatisfy(e -> assertThat(e).startsWith(
            "test.yaml:5:36: listeners[0].proxy_protocol.accept_from[0]: '10.0.0.1/8' has host"
                + " bits set"))
        .anySatisfy(e -> assertThat(e).startsWith(
            "test.yaml:5:58: listeners[0].proxy_protocol.timeout:"));
    assertThat(errors(LISTENER.formatted("{accept_from: [10.0.0.0/8], version: 2}")))
        .containsExactly("test.yaml:5:49: listeners[0].proxy_protocol.version: unknown field"
            + " 'version' (expected one of: accept_from, timeout)");
  }
}
