package io.ballast.server.testing;

import java.util.ArrayList;
import java.util.List;

/**
 * The backends one test started, closed together when the test ends (a field annotated
 * {@code @AutoClose}). Not thread-safe: one test thread.
 */
public final class TestBackends implements AutoCloseable {
  private final List<TestBackend> started = new ArrayList<>();

  /** Starts a backend answering {@code name} on 127.0.0.1. */
  public TestBackend start(String name) throws java.io.IOException {
    TestBackend b = new TestBackend(name);
    started.add(b);
    return b;
  }

  /** Starts a backend answering {@code name} on {@code host:port} (port 0: a free one). */
  public TestBackend start(String name, String host, int port) throws java.io.IOException {
    TestBackend b = new TestBackend(name, host, port);
    started.add(b);
    return b;
  }

  @Override
  public void close() {
    started.forEach(TestBackend::close);
    started.clear();
  }
}
