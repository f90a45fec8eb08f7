package io.ballast.server.testing;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A real HTTP/2 backend: NGINX ({@link NginxProcess}) speaking h2 over TLS (with the certificate
 * it is given) or h2c with prior knowledge (without one), or plain HTTP/1.1 only
 * ({@link #http1}). {@code /} answers what it saw:
 * {@code protocol=<HTTP/2.0> conn=<connection serial> sni=<name>}; {@code /files/} stores what
 * is PUT (WebDAV) and serves it back.
 */
public final class NginxH2Backend implements AutoCloseable {
  private final NginxProcess nginx;

  private NginxH2Backend(Path dir, String listen, String tls) throws Exception {
    Path files = Files.createDirectories(dir.resolve("root/files"));
    nginx = new NginxProcess(dir, """
        listen 127.0.0.1:%%PORT%% %s;
        %s
        client_max_body_size 64m;
        location / {
          default_type text/plain;
          return 200 "protocol=$server_protocol conn=$connection sni=$ssl_server_name\\n";
        }
        location /files/ {
          root %s;
          dav_methods PUT;
          create_full_put_path on;
        }
        """.formatted(listen, tls, files.getParent()));
  }

  /** h2 over TLS with {@code cert} and {@code key}. */
  public static NginxH2Backend h2(Path dir, Path cert, Path key) throws Exception {
    return new NginxH2Backend(dir, "ssl http2", """
        ssl_certificate %s;
        ssl_certificate_key %s;
        ssl_protocols TLSv1.2 TLSv1.3;
        """.formatted(cert, key));
  }

  /** h2c: HTTP/2 in cleartext, with prior knowledge. */
  public static NginxH2Backend h2c(Path dir) throws Exception {
    return new NginxH2Backend(dir, "http2", "");
  }

  /** Plain HTTP/1.1 only. */
  public static NginxH2Backend http1(Path dir) throws Exception {
    return new NginxH2Backend(dir, "", "");
  }

  public int port() {
    return nginx.port();
  }

  @Override
  public void close() throws Exception {
    nginx.close();
  }
}
