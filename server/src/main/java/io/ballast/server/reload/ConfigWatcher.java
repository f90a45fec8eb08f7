package io.ballast.server.reload;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reloads the config when its file changes on disk. It watches the file's directory, not the
 * file: editors and deploy tools often write a temporary file and move it over the old one, which
 * a watch on the file itself would lose. Events come in bursts (a write is several modify events,
 * a move a delete and a create), so a reload starts only once the file has been quiet for the
 * debounce time. A touch that leaves the bytes as they are is an unchanged reload (the
 * {@link Reloader} compares the content's hash).
 *
 * <p>A watched file that is reached through symbolic links in its own directory is watched
 * through them too. A Kubernetes ConfigMap mounted as a volume is such a file:
 * {@code ballast.yaml -> ..data/ballast.yaml} and {@code ..data -> ..2026_12_07_10_00_00.123};
 * an update writes a new hidden directory and swaps {@code ..data}, and {@code ballast.yaml}
 * itself never changes, so only the swap of {@code ..data} tells.
 *
 * <p>The files the running config reads (TLS certificates and keys,
 * {@link Reloader#watchedFiles()}) are watched the same way, so that renewing a certificate on
 * disk is enough; the set follows each reload.
 *
 * <p>Threading: one daemon thread per watcher; {@link #close} may be called from any thread.
 */
public final class ConfigWatcher implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ConfigWatcher.class);
  /** Quiet time after the last event before the file is read. */
  public static final Duration DEFAULT_DEBOUNCE = Duration.ofMillis(400);

  private final Reloader reloader;
  private final Path file;
  /** The files whose change triggers a reload, absolute; read and written by the thread only. */
  private Set<Path> files = Set.of();
  /** Directories registered with the watch service. */
  private final Map<Path, WatchKey> dirs = new HashMap<>();
  private final long debounceNanos;
  private final WatchService watch;
  private final Thread thread;

  private ConfigWatcher(Reloader reloader, Duration debounce) throws IOException {
    this.reloader = reloader;
    this.file = reloader.file().toAbsolutePath();
    this.debounceNanos = debounce.toNanos();
    this.watch = FileSystems.getDefault().newWatchService();
    try {
      register(file.getParent());
      follow();
    } catch (IOException | RuntimeException e) {
      watch.close();
      throw e;
    }
    this.thread = new Thread(this::run, "ballast-config-watch");
    thread.setDaemon(true);
  }

  /**
   * Watches {@code reloader}'s file and reloads it through {@code reloader} after each change.
   *
   * @throws IOException when the file's directory cannot be watched
   */
  public static ConfigWatcher start(Reloader reloader, Duration debounce) throws IOException {
    Objects.requireNonNull(reloader, "reloader");
    if (debounce.isNegative() || debounce.isZero()) {
      throw new IllegalArgumentException("debounce: " + debounce + " (expected: > 0)");
    }
    ConfigWatcher w = new ConfigWatcher(reloader, debounce);
    w.thread.start();
    log.info("watching {} for changes", reloader.file());
    return w;
  }

  private void run() {
    boolean pending = false;
    long due = 0;
    try {
      while (true) {
        WatchKey key;
        if (pending) {
          long left = due - System.nanoTime();
          key = left > 0 ? watch.poll(left, TimeUnit.NANOSECONDS) : null;
        } else {
          key = watch.take();
        }
        if (key != null) {
          if (concernsFile(key)) {
            pending = true;
            due = System.nanoTime() + debounceNanos;
          }
          key.reset();
        } else if (pending && System.nanoTime() - due >= 0) {
          pending = false;
          try {
            reloader.reload(ReloadResult.Trigger.FILE).join();
          } catch (RuntimeException e) {
            // Reported by the reloader; the watch goes on.
          }
          follow();
        }
      }
    } catch (ClosedWatchServiceException | InterruptedException e) {
      // closed: the watcher stops
    }
  }

  private boolean concernsFile(WatchKey key) {
    boolean concerns = false;
    Path dir = (Path) key.watchable();
    for (WatchEvent<?> event : key.pollEvents()) {
      // An overflow lost events, maybe ours: reading the file once too often is harmless.
      if (event.kind() == StandardWatchEventKinds.OVERFLOW
          || event.context() instanceof Path name && files.contains(dir.resolve(name))) {
        concerns = true;
      }
    }
    return concerns;
  }

  /** Watches the config file and the files the running config reads now. */
  private void follow() {
    Set<Path> next = new HashSet<>();
    List<Path> given = new ArrayList<>();
    given.add(file);
    for (Path p : reloader.watchedFiles()) {
      given.add(p.toAbsolutePath().normalize());
    }
    for (Path p : given) {
      next.add(p);
      next.addAll(links(p));
    }
    for (Path abs : next) {
      if (abs.getParent() != null && !dirs.containsKey(abs.getParent())) {
        try {
          register(abs.getParent());
        } catch (IOException | RuntimeException e) {
          log.warn("cannot watch {} for changes ({}); reload with SIGHUP or the admin API after"
              + " changing {}", abs.getParent(), e.toString(), abs.getFileName());
        }
      }
    }
    files = Set.copyOf(next);
  }

  /**
   * The symbolic links in {@code file}'s directory (or below it) that reaching {@code file} goes
   * through, followed link after link (at most 16: a loop ends there). Worked example, a
   * ConfigMap volume at /etc/ballast: {@code /etc/ballast/ballast.yaml} is a link to
   * {@code ..data/ballast.yaml}, so it is one; its target {@code /etc/ballast/..data/ballast.yaml}
   * goes through the link {@code /etc/ballast/..data}, the second; the target of that,
   * {@code /etc/ballast/..2026_12_07_10_00_00.123/ballast.yaml}, goes through none: both links
   * are watched by name in /etc/ballast.
   */
  static List<Path> links(Path file) {
    List<Path> out = new ArrayList<>();
    Path dir = file.getParent();
    Path current = file;
    for (int hops = 0; hops < 16 && dir != null; hops++) {
      Path link = firstLinkUnder(dir, current);
      if (link == null) {
        break;
      }
      out.add(link);
      try {
        Path target = link.getParent().resolve(Files.readSymbolicLink(link)).normalize();
        current = target.resolve(link.relativize(current)).normalize();
      } catch (IOException | UnsupportedOperationException e) {
        break;
      }
    }
    return out;
  }

  /** The first symbolic link among {@code path}'s prefixes below {@code dir}, or null. */
  private static Path firstLinkUnder(Path dir, Path path) {
    if (!path.startsWith(dir)) {
      return null;
    }
    Path prefix = dir;
    for (Path part : dir.relativize(path)) {
      prefix = prefix.resolve(part);
      if (Files.isSymbolicLink(prefix)) {
        return prefix;
      }
    }
    return null;
  }

  private void register(Path dir) throws IOException {
    dirs.put(dir, dir.register(watch, StandardWatchEventKinds.ENTRY_CREATE,
        StandardWatchEventKinds.ENTRY_MODIFY));
  }

  @Override
  public void close() {
    try {
      watch.close();
    } catch (IOException e) {
      log.debug("closing the config watch: {}", e.toString());
    }
  }
}
