package io.ballast.server.testing;

import io.ballast.server.Ballast;
import io.ballast.server.metrics.PromText;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;

/**
 * The HTTP calls end-to-end tests make to a running ballast: requests through a listener, and
 * the admin listener's views and actions (with or without its bearer token). One client with
 * keep-alive, as a real client has. Thread-safe (the JDK client is).
 */
public final class Calls {
  private final HttpClient client =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private final String token;
  private Ballast ballast;

  /** @param token the admin token actions send; null for none */
  public Calls(String token) {
    this.token = token;
  }

  /** Calls go to {@code running} from now on. */
  public Calls to(Ballast running) {
    this.ballast = running;
    return this;
  }

  public HttpClient client() {
    return client;
  }

  /** The URL of {@code path} on listener number {@code listener}. */
  public String url(int listener, String path) {
    return "http://127.0.0.1:" + ballast.proxyAddresses().get(listener).getPort() + path;
  }

  /** GET {@code path} through the first listener, with {@code headers} (name, value, ...). */
  public HttpResponse<String> get(String path, String... headers) throws Exception {
    return send(HttpRequest.newBuilder(URI.create(url(0, path))), headers);
  }

  /** The distinct bodies of {@code n} GETs of / through the first listener: who answered. */
  public Set<String> bodies(int n) throws Exception {
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < n; i++) {
      seen.add(get("/").body());
    }
    return seen;
  }

  /** GET {@code url}, with {@code headers} (name, value, ...). */
  public HttpResponse<String> getUrl(String url, String... headers) throws Exception {
    return send(HttpRequest.newBuilder(URI.create(url)), headers);
  }

  /** An admin call; {@code body} null for none; with the token when {@code authorized}. */
  public HttpResponse<String> admin(String method, String path, String body, boolean authorized)
      throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
        + ballast.adminAddress().getPort() + path))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body));
    if (authorized && token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** POST /admin/reload with the token. */
  public HttpResponse<String> reload() throws Exception {
    return admin("POST", "/admin/reload", null, true);
  }

  /** The metrics now. */
  public PromText metrics() throws Exception {
    return new PromText(admin("GET", "/metrics", null, false).body());
  }

  private HttpResponse<String> send(HttpRequest.Builder b, String... headers) throws Exception {
    b.timeout(Duration.ofSeconds(10));
    if (headers.length > 0) {
      b.headers(headers);
    }
    return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }
}
