package io.ballast.proxy;

import io.ballast.proxy.client.TrustedProxies;
import io.ballast.proxy.http1.HeaderRewriter;
import io.ballast.proxy.upstream.TrailerHeaders;
import io.netty.handler.codec.http.HttpDecoderConfig;

/**
 * What every listener of a {@link ProxyServer} reads per connection or request, replaced whole
 * by {@link ProxyServer#update}. Immutable.
 *
 * @param settings timeouts, limits and forwarding
 * @param observer who learns of each request and connection (metrics, access log)
 * @param rewriter the forwarding and request-id headers, from {@code settings}
 * @param trusted the proxies whose forwarding headers are believed, from {@code settings}
 * @param decoder the client-side decoder's limits, from {@code settings}
 */
record SharedState(ProxySettings settings, ProxyObserver observer, HeaderRewriter rewriter,
    TrustedProxies trusted, HttpDecoderConfig decoder) {
  static SharedState of(ProxySettings settings, ProxyObserver observer) {
    return new SharedState(settings, observer, new HeaderRewriter(settings.forwarding()),
        TrustedProxies.of(settings.forwarding().trustedProxies()), new HttpDecoderConfig()
            .setMaxInitialLineLength(settings.maxInitialLineLength())
            .setMaxHeaderSize(settings.maxHeaderSize())
            .setValidateHeaders(true)
            .setTrailersFactory(TrailerHeaders.FACTORY)
            .setAllowDuplicateContentLengths(true)
            .setStrictLineParsing(true)
            .setUseRfc9112TransferEncoding(true));
  }
}
