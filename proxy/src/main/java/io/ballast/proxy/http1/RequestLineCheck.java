package io.ballast.proxy.http1;

/**
 * The request line's grammar, checked byte by byte as it arrives (RFC 9112 section 3):
 * {@code method SP request-target SP HTTP-version CRLF}, where the method is a token, the target
 * is visible US-ASCII only (0x21 to 0x7E) and the version is exactly {@code "HTTP/" DIGIT "."
 * DIGIT}.
 *
 * <p>Netty's decoder is lenient where a proxy must not be, and what it passes cannot be told apart
 * afterwards: it upper-cases the version ({@code http/1.1} passes as {@code HTTP/1.1}), splits on
 * runs of spaces ({@code GET  / HTTP/1.1}) and keeps a NUL, DEL or a byte above 0x7E inside the
 * target. A backend behind us may read such a line differently, or the target may break the line
 * we write to it; so the bytes are checked here, before Netty has turned them into strings. Netty's
 * own refusals (bare LF, a control byte in the method, a line too long) come first: this check
 * only turns a request Netty accepted into a refused one.
 *
 * <p>One instance per client connection, reused for each request line; event-loop only.
 */
final class RequestLineCheck {
  static final IllegalArgumentException BAD_METHOD = failure("malformed method");
  static final IllegalArgumentException EXTRA_SPACE = failure("extra whitespace in request line");
  static final IllegalArgumentException BAD_TARGET_BYTE =
      failure("control, space or non-ascii byte in request target");
  static final IllegalArgumentException BAD_VERSION =
      failure("malformed http version (expected: HTTP/<digit>.<digit>)");

  private static final byte[] HTTP = {'H', 'T', 'T', 'P', '/'};
  private static final int METHOD = 0;
  private static final int TARGET_START = 1;
  private static final int TARGET = 2;
  /** VERSION + i: the i-th byte of "HTTP/d.d" is next. */
  private static final int VERSION = 3;
  private static final int CR = VERSION + 8;
  private static final int LF = CR + 1;
  private static final int DONE = LF + 1;

  private int state;
  private int methodLength;
  private IllegalArgumentException failure;

  /** Starts a new request line. */
  void reset() {
    state = METHOD;
    methodLength = 0;
    failure = null;
  }

  /** Why the line is malformed, or null (also while it is incomplete and fine so far). */
  IllegalArgumentException failure() {
    return failure;
  }

  /** Takes the line's next byte, the final LF included. */
  void accept(byte b) {
    if (failure != null || state == DONE) {
      return;
    }
    switch (state) {
      case METHOD -> {
        if (b == ' ' && methodLength > 0) {
          state = TARGET_START;
        } else if (tchar(b)) {
          methodLength++;
        } else {
          failure = BAD_METHOD;
        }
      }
      case TARGET_START, TARGET -> {
        if (b > ' ' && b < 0x7f) {
          state = TARGET;
        } else if (b == ' ') {
          if (state == TARGET_START) {
            failure = EXTRA_SPACE;
          } else {
            state = VERSION;
          }
        } else if (b == '\r' && state == TARGET) {
          // "GET /\r\n": HTTP/0.9's form, which no one speaks to a proxy any more.
          failure = BAD_VERSION;
        } else {
          failure = BAD_TARGET_BYTE;
        }
      }
      case CR -> {
        if (b == '\r') {
          state = LF;
        } else {
          // "HTTP/1.1 ", "HTTP/1.10", "HTTP/1.1x": anything after the version.
          failure = b == ' ' || b == '\t' ? EXTRA_SPACE : BAD_VERSION;
        }
      }
      case LF -> {
        if (b == '\n') {
          state = DONE;
        } else {
          failure = BAD_VERSION;
        }
      }
      default -> {
        int i = state - VERSION;
        boolean ok = i < HTTP.length ? b == HTTP[i]
            : i == 6 ? b == '.' : b >= '0' && b <= '9';
        if (ok) {
          state++;
        } else {
          failure = BAD_VERSION;
        }
      }
    }
  }

  /** RFC 9110 section 5.6.2's tchar. */
  static boolean tchar(byte b) {
    return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9'
        || b == '!' || b == '#' || b == '$' || b == '%' || b == '&' || b == '\'' || b == '*'
        || b == '+' || b == '-' || b == '.' || b == '^' || b == '_' || b == '`' || b == '|'
        || b == '~';
  }

  /** A shared failure without a stack: it is a verdict on input, not a bug to trace. */
  private static IllegalArgumentException failure(String message) {
    return new IllegalArgumentException(message) {
      @Override
      public synchronized Throwable fillInStackTrace() {
        return this;
      }
    };
  }
}
