package io.ballast.server.testing;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * TLS clients for passthrough tests: the JDK's (over a socket that may send every byte in a write
 * of its own) and {@code openssl s_client} as a foreign one. Each asks an {@code -www}
 * {@link OpensslServer} for its page and reports the certificate it was shown, which says whose
 * TLS it spoke. Stateless.
 */
public final class TlsClients {
  private TlsClients() {}

  /** What one TLS connection saw: the server certificate's subject, and the answer to GET /. */
  public record Seen(String subject, String page) {}

  /**
   * A JDK TLS connection to 127.0.0.1:{@code port} asking for {@code serverName} (null: no SNI),
   * trusting what {@code tls} trusts; with {@code trickle} every byte it writes goes in a write
   * (and a TCP segment) of its own.
   */
  public static Seen jdk(SSLContext tls, int port, String serverName, boolean trickle)
      throws IOException {
    return jdk(tls, "127.0.0.1", port, serverName, trickle);
  }

  /** As above, from the loopback address {@code from} (127.0.0.x). */
  public static Seen jdk(SSLContext tls, String from, int port, String serverName,
      boolean trickle) throws IOException {
    Socket plain = trickle ? new TrickleSocket() : new Socket();
    plain.setTcpNoDelay(true);
    plain.bind(new InetSocketAddress(from, 0));
    plain.connect(new InetSocketAddress("127.0.0.1", port), 5000);
    plain.setSoTimeout(5000);
    try (SSLSocket s = (SSLSocket) tls.getSocketFactory().createSocket(plain, "127.0.0.1", port,
        true)) {
      SSLParameters p = s.getSSLParameters();
      p.setServerNames(serverName == null ? List.of() : List.of(new SNIHostName(serverName)));
      s.setSSLParameters(p);
      s.startHandshake();
      X509Certificate cert = (X509Certificate) s.getSession().getPeerCertificates()[0];
      s.getOutputStream().write("GET / HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      s.getOutputStream().flush();
      String page = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
      return new Seen(cert.getSubjectX500Principal().getName(), page);
    }
  }

  /**
   * {@code openssl s_client} to 127.0.0.1:{@code port} asking for {@code serverName}, verifying
   * against {@code ca}, sending GET /; its whole output (certificate, verification, the page).
   * Stopped by its own process handle after 20 s at most.
   */
  public static String openssl(Path ca, int port, String serverName) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("openssl", "s_client", "-connect",
        "127.0.0.1:" + port, "-CAfile", ca.toString(), "-ign_eof"));
    if (serverName != null) {
      cmd.addAll(List.of("-servername", serverName));
    }
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    p.getOutputStream().write("GET / HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    p.getOutputStream().close();
    if (!p.waitFor(20, TimeUnit.SECONDS)) {
      ChildProcesses.stop(p);
      throw new IOException("openssl s_client did not finish within 20 s");
    }
    return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
  }

  /** A socket whose every write goes out byte by byte, each flushed on its own. */
  private static final class TrickleSocket extends Socket {
    @Override
    public OutputStream getOutputStream() throws IOException {
      return new FilterOutputStream(super.getOutputStream()) {
        @Override
        public void write(byte[] b, int off, int len) throws IOException {
          for (int i = 0; i < len; i++) {
            out.write(b[off + i]);
            out.flush();
          }
        }
      };
    }
  }
}
