package io.ballast.server.config;

import java.util.regex.Pattern;

/** How fields of HTTP syntax are read: header names, methods, paths. Stateless. */
final class HttpValues {
  static final String HEADER_EXPECTED = "a header name (letters, digits and !#$%&'*+.^_`|~-)";
  /** A header name: an RFC 9110 token. */
  static final Value<String> HEADER = Value.string(HEADER_EXPECTED, ForwardingConfig.TOKEN);
  static final Value<String> METHOD = Value.string(
      "an HTTP method such as GET (letters, digits and !#$%&'*+.^_`|~-)", ForwardingConfig.TOKEN);
  /** Visible ASCII: anything else breaks a request line. */
  static final Value<String> PATH = Value.string(
      "a path starting with / (printable ASCII, no spaces)", Pattern.compile("/[!-~]*"));

  private HttpValues() {}

  /** True for a valid header name. */
  static boolean isHeader(String name) {
    return ForwardingConfig.TOKEN.matcher(name).matches();
  }
}
