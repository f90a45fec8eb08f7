package io.ballast.server.reload;

import io.ballast.core.Ticker;
import io.ballast.core.decision.Decision;
import io.ballast.server.config.BallastConfig;
import io.ballast.server.config.ConfigError;
import io.ballast.server.config.ConfigLoader;
import io.ballast.server.config.ConfigResult;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reloads the config file: reads and validates it with the same {@link ConfigLoader} as at
 * start and hands the new config to the running balancer, which applies every section live
 * (pools, members, listeners, routes, settings); only a move of the admin listener is refused.
 *
 * <p>Every outcome is logged (an invalid file with each error's line), counted in
 * {@code lb_config_reloads_total{outcome}}, and an applied one is a {@link Decision.Kind#CONFIG}
 * decision. A file whose bytes are those of the running config is unchanged without being parsed.
 *
 * <p>Threading: thread-safe. {@link #reload} may be called from any thread (admin event loop,
 * signal handler, file watcher); reloads run one at a time, in order, on this reloader's own
 * thread, which is the only one that touches its state.
 */
public final class Reloader implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Reloader.class);

  /** The running balancer's side of a reload. */
  @FunctionalInterface
  public interface Target {
    /**
     * Makes the running balancer what {@code next} says (pools, listeners, routes, settings),
     * live, and returns what changed beyond the routes.
     *
     * @throws IllegalStateException when something cannot apply (a new listener's address is
     *     taken); it is found before anything changes, and the running config keeps serving
     */
    List<String> apply(BallastConfig next, RouteChanges changes);
  }

  private final Path file;
  private final Target target;
  private final Consumer<Decision> decisions;
  private final Counter reloads;
  private final Gauge lastSuccess;
  private final ExecutorService thread;
  private volatile BallastConfig running;
  private byte[] runningHash;

  /**
   * @param file the config file the running config was read from
   * @param running the running config
   * @param target applies route changes
   * @param registry where the reload metrics are registered
   * @param decisions takes the decision of each applied reload
   */
  public Reloader(Path file, BallastConfig running, Target target, PrometheusRegistry registry,
      Consumer<Decision> decisions) {
    this.file = Objects.requireNonNull(file, "file");
    this.running = Objects.requireNonNull(running, "running");
    this.target = Objects.requireNonNull(target, "target");
    this.decisions = Objects.requireNonNull(decisions, "decisions");
    this.reloads = Counter.builder()
        .name("lb_config_reloads_total")
        .help("Config reloads by outcome: applied, unchanged, invalid (bad file), refused"
            + " (needs a restart)")
        .labelNames("outcome")
        .withoutExemplars()
        .register(registry);
    for (String outcome : List.of("applied", "unchanged", "invalid", "refused")) {
      reloads.labelValues(outcome);
    }
    this.lastSuccess = Gauge.builder()
        .name("lb_config_last_reload_timestamp_seconds")
        .help("When the running config was last loaded with success (start, applied or"
            + " unchanged reload), in Unix seconds")
        .withoutExemplars()
        .register(registry);
    lastSuccess.set(System.currentTimeMillis() / 1000.0);
    this.thread = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "ballast-reload");
      t.setDaemon(true);
      return t;
    });
  }

  /** The file reloads read. */
  public Path file() {
    return file;
  }

  /**
   * Reloads the file after the reloads asked before; completes with what it did (never
   * exceptionally, unless this reloader is closed).
   */
  public CompletableFuture<ReloadResult> reload(ReloadResult.Trigger trigger) {
    Objects.requireNonNull(trigger, "trigger");
    try {
      return CompletableFuture.supplyAsync(() -> reloadNow(trigger), thread);
    } catch (RejectedExecutionException e) {
      return CompletableFuture.failedFuture(new IllegalStateException("ballast is stopping"));
    }
  }

  private ReloadResult reloadNow(ReloadResult.Trigger trigger) {
    ReloadResult result;
    try {
      result = load(trigger);
    } catch (RuntimeException e) {
      log.error("config reload ({}) failed", trigger.label(), e);
      result = new ReloadResult.Refused(trigger, List.of(), "cannot apply: " + e);
    }
    reloads.labelValues(result.outcome()).inc();
    switch (result.outcome()) {
      case "applied", "unchanged" -> {
        lastSuccess.set(System.currentTimeMillis() / 1000.0);
        log.info("{}", result.message());
      }
      default -> log.warn("{}", result.message());
    }
    return result;
  }

  private ReloadResult load(ReloadResult.Trigger trigger) {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      return invalid(trigger, List.of(fileError("file not found")));
    } catch (IOException e) {
      return invalid(trigger, List.of(fileError("cannot read the file: " + e)));
    }
    // The files the running config reads (certificates, keys) count as part of it: a reload
    // after only a certificate changed is not "unchanged".
    if (runningHash != null && Arrays.equals(digest(bytes, running), runningHash)) {
      return new ReloadResult.Unchanged(trigger);
    }
    String text;
    try {
      // Strict UTF-8 as ConfigLoader.load: a stray Latin-1 byte is an error.
      text = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString();
    } catch (CharacterCodingException e) {
      return invalid(trigger, List.of(fileError("the file is not UTF-8 text")));
    }
    ConfigResult parsed = ConfigLoader.parse(text, file.toString());
    if (parsed instanceof ConfigResult.Invalid bad) {
      return invalid(trigger, bad.errors());
    }
    BallastConfig next = parsed.orElseThrow();
    parsed.warnings().forEach(w -> log.warn("{}", w));
    List<String> restart = ConfigDiff.restartSections(running, next);
    if (!restart.isEmpty()) {
      return new ReloadResult.Refused(trigger, restart,
          String.join(", ", restart) + " changed: the admin listener moves only with a restart");
    }
    RouteChanges routes = RouteChanges.between(running, next);
    if (routes.isEmpty() && ConfigDiff.changedSections(running, next).isEmpty()) {
      running = next;
      runningHash = digest(bytes, next);
      return new ReloadResult.Unchanged(trigger);
    }
    List<String> sections;
    try {
      sections = target.apply(next, routes);
    } catch (IllegalStateException | IllegalArgumentException e) {
      return new ReloadResult.Refused(trigger, List.of(), e.getMessage());
    }
    ReloadResult.Applied applied = new ReloadResult.Applied(trigger, routes, sections);
    decisions.accept(new Decision(Ticker.SYSTEM.nanos(), "*", null, Decision.Kind.CONFIG, null,
        null, applied.message()));
    running = next;
    runningHash = digest(bytes, next);
    return applied;
  }

  private ReloadResult invalid(ReloadResult.Trigger trigger, List<ConfigError> errors) {
    for (ConfigError e : errors) {
      log.warn("config reload ({}): {}", trigger.label(), e);
    }
    return new ReloadResult.Invalid(trigger, errors);
  }

  private ConfigError fileError(String message) {
    return new ConfigError(file.toString(), "", 1, 1, message);
  }

  /** The config file's bytes and those of every file {@code config} reads, hashed together. */
  private static byte[] digest(byte[] bytes, BallastConfig config) {
    try {
      MessageDigest d = MessageDigest.getInstance("SHA-256");
      d.update(bytes);
      for (Path p : config.watchedFiles()) {
        d.update(p.toString().getBytes(StandardCharsets.UTF_8));
        try {
          d.update(Files.readAllBytes(p));
        } catch (IOException e) {
          // Unreadable now: differs from any readable state, so the reload parses and says why.
          d.update((byte) 0);
        }
      }
      return d.digest();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }

  /** The files besides the config file whose change is a reason to reload (certificates). */
  public List<Path> watchedFiles() {
    return running.watchedFiles();
  }

  /** Stops taking reloads; one in progress finishes. */
  @Override
  public void close() {
    thread.shutdown();
  }
}
