package io.ballast.proxy.probe;

import io.ballast.core.Backend;
import io.ballast.core.pool.LoadBalancer;
import io.ballast.core.pool.PoolListener;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One task per member of a pool (a health probe, an agent check, a scrape), that follows the
 * pool's membership: a task starts for each backend there at {@link #start()}, for each backend
 * that joins later, and stops when its backend leaves or at {@link #close()}. A backend that
 * joins is probed at once: with active checks it takes no traffic until its first result.
 *
 * <p>Thread-safe: {@code start} and {@code close} from any thread, membership changes arrive on
 * the pool's control loop; every change to the task set is made under this object's lock, so a
 * change that races {@code start} is neither missed nor applied twice.
 *
 * @param <T> the task
 */
public final class MemberTasks<T> implements PoolListener {
  /** Makes and stops the tasks. */
  public interface Factory<T> {
    /** Starts the task of {@code backend}; {@code joined}: it joined the running pool. */
    T start(Backend backend, boolean joined);

    /** Stops a task (from any thread). */
    void stop(T task);
  }

  private final LoadBalancer pool;
  private final Factory<T> factory;
  private final Map<Backend, T> tasks = new IdentityHashMap<>();
  private boolean started;
  private boolean closed;

  public MemberTasks(LoadBalancer pool, Factory<T> factory) {
    this.pool = Objects.requireNonNull(pool, "pool");
    this.factory = Objects.requireNonNull(factory, "factory");
  }

  /** Starts a task for every member, then follows the membership. */
  public synchronized void start() {
    if (started || closed) {
      throw new IllegalStateException("tasks of pool " + pool.name() + " already started or closed");
    }
    started = true;
    pool.addListener(this);
    for (Backend b : pool.backends()) {
      tasks.computeIfAbsent(b, x -> factory.start(x, false));
    }
  }

  @Override
  public synchronized void onMembersChanged(LoadBalancer p, List<Backend> added,
      List<Backend> removed, List<Backend> updated, String reason) {
    if (!started || closed) {
      return;
    }
    for (Backend b : removed) {
      T t = tasks.remove(b);
      if (t != null) {
        factory.stop(t);
      }
    }
    for (Backend b : added) {
      tasks.computeIfAbsent(b, x -> factory.start(x, true));
    }
  }

  /** The backends with a task now. */
  public synchronized List<Backend> backends() {
    return new ArrayList<>(tasks.keySet());
  }

  /** Stops every task and stops following the pool. */
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    pool.removeListener(this);
    for (T t : tasks.values()) {
      factory.stop(t);
    }
    tasks.clear();
  }
}
