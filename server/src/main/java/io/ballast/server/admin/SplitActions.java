package io.ballast.server.admin;

import io.ballast.core.split.TrafficSplit;
import io.ballast.server.Splits;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /admin/splits/{listener}/{route}} with {@code {"weights": {...}}} or
 * {@code {"active": group}} and the bearer token: the split's next request follows the new
 * weights. Blue-green switches and canary steps both go through here.
 *
 * <p>Admin event loop only.
 */
final class SplitActions {
  static final String PREFIX = "/admin/splits/";
  private static final Logger LOG = LoggerFactory.getLogger(SplitActions.class);

  private final SplitsJson json = new SplitsJson();
  private final Authorizer auth;
  /** The traffic splits now running. */
  private volatile Splits splits = Splits.none();

  SplitActions(Authorizer auth) {
    this.auth = auth;
  }

  void useSplits(Splits s) {
    splits = s;
  }

  Splits splits() {
    return splits;
  }

  FullHttpResponse handle(FullHttpRequest req, String path) {
    String[] parts = path.substring(PREFIX.length()).split("/", -1);
    if (parts.length != 2) {
      return Http.text(HttpResponseStatus.NOT_FOUND, "not found: " + path
          + " (expected: /admin/splits/{listener}/{route})\n");
    }
    FullHttpResponse refused = auth.refuse(req);
    if (refused != null) {
      return refused;
    }
    String listener = QueryStringDecoder.decodeComponent(parts[0]);
    String route = QueryStringDecoder.decodeComponent(parts[1]);
    var entry = splits.find(listener, route);
    if (entry.isEmpty()) {
      return Http.text(HttpResponseStatus.NOT_FOUND, "no split on route '" + route
          + "' of listener '" + listener + "'\n");
    }
    TrafficSplit split = entry.get().split();
    TrafficSplit.Weights before;
    try {
      SplitsJson.Change change = json.parse(Http.body(req));
      before = change.active() != null ? split.activate(change.active())
          : split.setWeights(change.weights());
    } catch (IllegalArgumentException e) {
      return Http.text(HttpResponseStatus.BAD_REQUEST, e.getMessage() + "\n");
    }
    LOG.info("admin API: listener {} route {}: split {} -> {}", listener, route, before,
        split.weights());
    return Http.json(HttpResponseStatus.OK, json.render(entry.get(), before));
  }

  byte[] render() {
    return json.render(splits);
  }
}
