package io.ballast.server.testing;

import java.nio.file.Path;

/**
 * A real TLS backend: NGINX ({@link NginxProcess}) with the certificate it is given, answering
 * every request with what it saw of the TLS connection:
 * {@code sni=<name> dn=<client certificate subject> protocol=<version>}. With a client CA it asks
 * for, and requires, a client certificate.
 */
public final class NginxTlsBackend implements AutoCloseable {
  private final NginxProcess nginx;

  /**
   * @param clientCa when not null, clients must present a certificate of this CA
   */
  public NginxTlsBackend(Path dir, Path cert, Path key, Path clientCa) throws Exception {
    String clientAuth = clientCa == null ? "" : """
        ssl_verify_client on;
        ssl_client_certificate %s;
        """.formatted(clientCa);
    nginx = new NginxProcess(dir, """
        listen 127.0.0.1:%%PORT%% ssl;
        ssl_certificate %s;
        ssl_certificate_key %s;
        ssl_protocols TLSv1.2 TLSv1.3;
        %s
        location / {
          default_type text/plain;
          return 200 "sni=$ssl_server_name dn=$ssl_client_s_dn protocol=$ssl_protocol\\n";
        }
        """.formatted(cert, key, clientAuth));
  }

  public int port() {
    return nginx.port();
  }

  @Override
  public void close() throws Exception {
    nginx.close();
  }
}
