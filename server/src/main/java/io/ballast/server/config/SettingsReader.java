package io.ballast.server.config;

import io.ballast.proxy.client.Cidr;
import io.ballast.proxy.http2.Http2Options;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Reads the small top-level sections of the process: {@code timeouts}, {@code limits},
 * {@code forwarding}, {@code admin} and {@code access_log}. Unset keys keep each record's
 * {@code DEFAULTS}; each method returns null after reporting errors.
 *
 * <p>Reads the file system (the access log's directory must exist) but never writes. Not
 * thread-safe: one load at a time.
 */
final class SettingsReader {
  private static final Pattern ADMIN_TOKEN = Pattern.compile("[!-~]{16,256}");

  private final Problems problems;
  private final Binds binds;

  /** @param binds the listeners' binds, which the admin listener's must not clash with */
  SettingsReader(Problems problems, Binds binds) {
    this.problems = problems;
    this.binds = binds;
  }

  TimeoutsConfig timeouts(Section s) {
    TimeoutsConfig d = TimeoutsConfig.DEFAULTS;
    int before = problems.errorCount();
    Duration connect = s.get("connect", Value.duration(), d.connect());
    Duration response = s.get("response", Value.duration(), d.response());
    Duration clientIdle = s.get("client_idle", Value.duration(), d.clientIdle());
    Duration backendIdle = s.get("backend_idle", Value.duration(), d.backendIdle());
    Duration backendRead = s.get("backend_read", Value.duration(), d.backendRead());
    Duration drain = s.get("drain", Value.duration(), d.drain());
    Duration tunnelIdle = s.get("tunnel_idle", Value.duration(), d.tunnelIdle());
    s.rejectUnknown();
    return problems.errorCount() != before ? null : problems.build(s.mark(), s.path(),
        () -> new TimeoutsConfig(connect, response, clientIdle, backendIdle, backendRead, drain,
            tunnelIdle));
  }

  LimitsConfig limits(Section s) {
    LimitsConfig d = LimitsConfig.DEFAULTS;
    int before = problems.errorCount();
    Integer uri = s.get("max_uri_length",
        Value.size(LimitsConfig.MIN_URI_LENGTH, LimitsConfig.MAX_SIZE), d.maxUriLength());
    Integer header = s.get("max_header_size",
        Value.size(LimitsConfig.MIN_HEADER_SIZE, LimitsConfig.MAX_SIZE), d.maxHeaderSize());
    Integer frame = s.get("max_websocket_frame",
        Value.size(LimitsConfig.MIN_WEBSOCKET_FRAME, Integer.MAX_VALUE),
        (int) d.maxWebSocketFrame());
    Integer headerCount = s.get("max_header_count",
        Value.integer(1, LimitsConfig.MAX_HEADER_COUNT), d.maxHeaderCount());
    Duration headTimeout = s.get("request_head_timeout", Value.duration(),
        d.requestHeadTimeout());
    Duration bodyTimeout = s.get("request_body_timeout", Value.duration(),
        d.requestBodyTimeout());
    Long bodyRate = s.get("min_request_body_rate",
        Value.orOff(Value.byteRate(LimitsConfig.MAX_BODY_RATE), 0L), d.minRequestBodyRate());
    s.rejectUnknown();
    return problems.errorCount() != before ? null
        : problems.build(s.mark(), s.path(), () -> new LimitsConfig(uri, header, frame,
            headerCount, headTimeout, bodyTimeout, bodyRate));
  }

  Http2Options http2(Section s) {
    Http2Options d = Http2Options.defaults();
    int before = problems.errorCount();
    Boolean enabled = s.get("enabled", Value.bool(), d.enabled());
    Integer streams = s.get("max_concurrent_streams", Value.integer(1, 1 << 20),
        d.maxConcurrentStreams());
    Integer window = s.get("initial_window_size", Value.size(1, Integer.MAX_VALUE),
        d.initialWindowSize());
    Integer connectionWindow = s.get("connection_window_size",
        Value.size(65_535, Integer.MAX_VALUE), d.connectionWindowSize());
    Integer resets = s.get("max_resets", Value.integer(1, 1 << 20), d.maxResets());
    Duration resetWindow = s.get("reset_window", Value.duration(),
        Duration.ofSeconds(d.resetWindowSeconds()));
    Integer control = s.get("max_control_frames_per_second", Value.integer(1, 1 << 20),
        d.maxControlFramesPerSecond());
    s.rejectUnknown();
    if (problems.errorCount() != before) {
      return null;
    }
    if (resetWindow.toSeconds() < 1) {
      problems.error(s.markOf("reset_window"), s.path("reset_window"),
          resetWindow.toMillis() + " ms (expected: at least 1s)");
      return null;
    }
    return problems.build(s.mark(), s.path(), () -> new Http2Options(enabled, streams, window,
        connectionWindow, resets, (int) Math.min(Integer.MAX_VALUE, resetWindow.toSeconds()),
        control));
  }

  ForwardingConfig forwarding(Section s) {
    ForwardingConfig d = ForwardingConfig.DEFAULTS;
    int before = problems.errorCount();
    Boolean xForwarded = s.get("x_forwarded", Value.bool(), d.xForwarded());
    Boolean forwarded = s.get("forwarded", Value.bool(), d.forwarded());
    List<Cidr> trusted = s.get("trusted_proxies",
        Value.list(Value.textual("a CIDR such as \"10.0.0.0/8\" or an IP address", Cidr::parse), 0),
        d.trustedProxies());
    String requestId = s.get("request_id_header", HttpValues.HEADER, d.requestIdHeader());
    s.rejectUnknown();
    return problems.errorCount() != before ? null : problems.build(s.mark(), s.path(),
        () -> new ForwardingConfig(xForwarded, forwarded, trusted, requestId));
  }

  AdminConfig admin(Section s) {
    AdminConfig d = AdminConfig.DEFAULTS;
    int before = problems.errorCount();
    Boolean enabled = s.get("enabled", Value.bool(), d.enabled());
    HostPort bind = s.get("bind", Value.hostPort(true), d.bind());
    String token = s.get("token", Value.string("a token of at least "
        + AdminConfig.MIN_TOKEN_LENGTH + " printable characters, no spaces", ADMIN_TOKEN), null);
    s.rejectUnknown();
    if (problems.errorCount() != before) {
      return null;
    }
    if (enabled) {
      binds.check(bind, s.markOf("bind"), s.path("bind"), "the admin listener");
      if (!bind.isLoopback() && token == null) {
        // Reads would be open to the network, and nothing would tell an operator that actions
        // are off rather than unguarded: refused, as an error at the bind's line.
        problems.error(s.markOf("bind"), s.path("bind"), "'" + bind
            + "' is not a loopback address and admin.token is not set (expected: a loopback"
            + " bind, or a token for an admin API reachable from the network)");
      } else if (!bind.isLoopback()) {
        problems.warning(s.markOf("bind"), s.path("bind"), "'" + bind
            + "' is not a loopback address: the admin API will be reachable from the network");
      }
    }
    return problems.build(s.mark(), s.path(), () -> new AdminConfig(enabled, bind, Optional.ofNullable(token)));
  }

  AccessLogConfig accessLog(Section s) {
    AccessLogConfig d = AccessLogConfig.DEFAULTS;
    int before = problems.errorCount();
    Boolean enabled = s.get("enabled", Value.bool(), d.enabled());
    String path = s.get("path", Value.string("\"stdout\" or a file path", Pattern.compile(".*\\S.*")), d.path());
    Integer queueSize = s.get("queue_size", Value.integer(1, AccessLogConfig.MAX_QUEUE_SIZE), d.queueSize());
    s.rejectUnknown();
    if (problems.errorCount() != before) {
      return null;
    }
    if (enabled && !path.equals(AccessLogConfig.STDOUT)) {
      checkLogFile(path, s.markOf("path"), s.path("path"));
    }
    return problems.errorCount() != before ? null
        : problems.build(s.mark(), s.path(), () -> new AccessLogConfig(enabled, path, queueSize));
  }

  private void checkLogFile(String path, Mark at, String fieldPath) {
    Path file;
    try {
      file = Path.of(path).toAbsolutePath();
    } catch (InvalidPathException e) {
      problems.error(at, fieldPath, "'" + path + "' is not a valid path (" + e.getReason() + ")");
      return;
    }
    Path parent = file.getParent();
    if (Files.isDirectory(file)) {
      problems.error(at, fieldPath, "'" + path + "' is a directory (expected: a file path or \"stdout\")");
    } else if (parent != null && !Files.isDirectory(parent)) {
      problems.error(at, fieldPath, "directory '" + parent
          + "' does not exist (expected: the log file's directory to exist)");
    }
  }
}
