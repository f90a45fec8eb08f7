package io.ballast.proxy.upstream;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpHeadersFactory;

/**
 * The trailer maps the HTTP/1.1 decoders create: Netty's default trailer validation, with room
 * for two fields instead of sixteen.
 *
 * <p>Why: the decoder gives the last content of every fixed-length body its own trailer map, and
 * that map is almost always empty. The default one allocates a 16-slot bucket array up front; a
 * profiler showed trailer maps at about 4 % of the bytes allocated per proxied request. A map
 * with two slots still takes any number of trailer fields (they chain), so nothing is lost when a
 * message does carry trailers.
 *
 * <p>Stateless and thread-safe.
 */
public final class TrailerHeaders implements HttpHeadersFactory {
  public static final TrailerHeaders FACTORY = new TrailerHeaders();

  private static final DefaultHttpHeadersFactory DEFAULT = DefaultHttpHeadersFactory.trailersFactory();
  private static final int SIZE_HINT = 2;

  private TrailerHeaders() {}

  @Override
  public HttpHeaders newHeaders() {
    return new Small();
  }

  @Override
  public HttpHeaders newEmptyHeaders() {
    return new Small();
  }

  /** Netty's header map with a smaller bucket array. */
  private static final class Small extends DefaultHttpHeaders {
    Small() {
      super(DEFAULT.getNameValidator(), DEFAULT.getValueValidator(), SIZE_HINT);
    }
  }
}
