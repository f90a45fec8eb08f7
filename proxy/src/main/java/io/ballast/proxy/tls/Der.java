package io.ballast.proxy.tls;

import java.security.GeneralSecurityException;
import java.util.Arrays;

/**
 * Just enough DER (ITU-T X.690) to wrap old-style private keys into PKCS#8: read a
 * tag-length-value, step into it or over it, and write one. Definite lengths only, as DER has.
 *
 * <p>A reader over one byte range; not thread-safe.
 */
final class Der {
  private final byte[] data;
  private int at;
  private final int end;

  Der(byte[] data) {
    this(data, 0, data.length);
  }

  private Der(byte[] data, int from, int end) {
    this.data = data;
    this.at = from;
    this.end = end;
  }

  /** The next tag, or -1 at the end. */
  int peek() {
    return at < end ? data[at] & 0xff : -1;
  }

  /** A reader over the contents of the next element, which must have {@code tag}. */
  Der enter(int tag) throws GeneralSecurityException {
    int[] range = next(tag);
    return new Der(data, range[0], range[1]);
  }

  /** Steps over the next element, which must have {@code tag}. */
  void skip(int tag) throws GeneralSecurityException {
    next(tag);
  }

  /** The bytes of this reader's whole range. */
  byte[] whole() {
    return Arrays.copyOfRange(data, at, end);
  }

  private int[] next(int tag) throws GeneralSecurityException {
    if (peek() != tag) {
      throw new GeneralSecurityException(String.format(
          "malformed key: tag 0x%02x at byte %d (expected: 0x%02x)", peek(), at, tag));
    }
    int i = at + 1;
    if (i >= end) {
      throw new GeneralSecurityException("malformed key: truncated at byte " + i);
    }
    int len = data[i++] & 0xff;
    if (len > 0x7f) {
      int bytes = len & 0x7f;
      if (bytes == 0 || bytes > 3 || i + bytes > end) {
        throw new GeneralSecurityException("malformed key: bad length at byte " + (i - 1));
      }
      len = 0;
      for (int k = 0; k < bytes; k++) {
        len = (len << 8) | (data[i++] & 0xff);
      }
    }
    if (i + len > end) {
      throw new GeneralSecurityException("malformed key: element at byte " + at
          + " runs past the end");
    }
    at = i + len;
    return new int[] {i, i + len};
  }

  /** One DER element: tag, length, value. */
  static byte[] tlv(int tag, byte[] value) {
    int n = value.length;
    byte[] len;
    if (n < 0x80) {
      len = new byte[] {(byte) n};
    } else if (n < 0x100) {
      len = new byte[] {(byte) 0x81, (byte) n};
    } else if (n < 0x10000) {
      len = new byte[] {(byte) 0x82, (byte) (n >> 8), (byte) n};
    } else {
      len = new byte[] {(byte) 0x83, (byte) (n >> 16), (byte) (n >> 8), (byte) n};
    }
    byte[] out = new byte[1 + len.length + n];
    out[0] = (byte) tag;
    System.arraycopy(len, 0, out, 1, len.length);
    System.arraycopy(value, 0, out, 1 + len.length, n);
    return out;
  }

  /** The parts one after the other. */
  static byte[] concat(byte[]... parts) {
    int n = 0;
    for (byte[] p : parts) {
      n += p.length;
    }
    byte[] out = new byte[n];
    int at = 0;
    for (byte[] p : parts) {
      System.arraycopy(p, 0, out, at, p.length);
      at += p.length;
    }
    return out;
  }
}
