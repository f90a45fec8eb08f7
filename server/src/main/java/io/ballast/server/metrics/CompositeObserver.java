package io.ballast.server.metrics;

import io.ballast.core.Backend;
import io.ballast.proxy.ProxyObserver;
import io.ballast.proxy.RequestLog;
import io.ballast.proxy.tcp.TcpConnectionLog;
import io.ballast.proxy.tls.ClientTls;
import io.ballast.proxy.tunnel.TunnelEnd;
import java.util.List;

/**
 * Hands every data-plane event to several observers in order (for example the metrics and the
 * access log).
 *
 * <p>Threading: as thread-safe and non-blocking as the observers it holds; it adds no state. An
 * observer that throws does not keep the later ones from seeing the event: the first failure is
 * rethrown after all have run, so the data plane still learns about it.
 */
public final class CompositeObserver implements ProxyObserver {
  private final ProxyObserver[] observers;

  private CompositeObserver(ProxyObserver[] observers) {
    this.observers = observers;
  }

  /** The fan-out of the observers; one observer is returned as is, none gives NONE. */
  public static ProxyObserver of(List<? extends ProxyObserver> observers) {
    ProxyObserver[] array = observers.stream()
        .filter(o -> o != ProxyObserver.NONE)
        .toArray(ProxyObserver[]::new);
    for (ProxyObserver o : array) {
      if (o == null) {
        throw new NullPointerException("observers: contains null");
      }
    }
    if (array.length == 0) {
      return ProxyObserver.NONE;
    }
    return array.length == 1 ? array[0] : new CompositeObserver(array);
  }

  /** The fan-out of the observers; see {@link #of(List)}. */
  public static ProxyObserver of(ProxyObserver... observers) {
    return of(List.of(observers));
  }

  @Override
  public void onRequestComplete(RequestLog log) {
    RuntimeException failure = null;
    for (ProxyObserver o : observers) {
      try {
        o.onRequestComplete(log);
      } catch (RuntimeException e) {
        failure = record(failure, e);
      }
    }
    rethrow(failure);
  }

  @Override
  public void onClientConnectionOpened(String listener) {
    each(o -> o.onClientConnectionOpened(listener));
  }

  @Override
  public void onClientConnectionClosed(String listener) {
    each(o -> o.onClientConnectionClosed(listener));
  }

  @Override
  public void onClientConnectionRefused(String listener, String reason) {
    each(o -> o.onClientConnectionRefused(listener, reason));
  }

  @Override
  public void onAcceptsHeld(String listener, int open) {
    each(o -> o.onAcceptsHeld(listener, open));
  }

  @Override
  public void onAcceptsResumed(String listener, long heldNanos) {
    each(o -> o.onAcceptsResumed(listener, heldNanos));
  }

  @Override
  public void onConnectionRequestLimit(String listener) {
    each(o -> o.onConnectionRequestLimit(listener));
  }

  @Override
  public void onTlsHandshake(String listener, ClientTls tls) {
    each(o -> o.onTlsHandshake(listener, tls));
  }

  @Override
  public void onTlsHandshakeFailure(String listener, String reason) {
    each(o -> o.onTlsHandshakeFailure(listener, reason));
  }

  @Override
  public void onHttp2Error(String listener, boolean connection, String error) {
    each(o -> o.onHttp2Error(listener, connection, error));
  }

  @Override
  public void onRequestRefused(String listener, int status, String reason) {
    each(o -> o.onRequestRefused(listener, status, reason));
  }

  @Override
  public void onTcpConnectionOpened(String listener, String pool, Backend backend) {
    each(o -> o.onTcpConnectionOpened(listener, pool, backend));
  }

  /** Once per read: a plain loop, no lambda to allocate. */
  @Override
  public void onTcpBytes(String listener, Backend backend, boolean fromClient, int bytes) {
    RuntimeException failure = null;
    for (ProxyObserver o : observers) {
      try {
        o.onTcpBytes(listener, backend, fromClient, bytes);
      } catch (RuntimeException e) {
        failure = record(failure, e);
      }
    }
    rethrow(failure);
  }

  @Override
  public void onTcpConnectFailed(String listener, String pool, Backend backend, String reason) {
    each(o -> o.onTcpConnectFailed(listener, pool, backend, reason));
  }

  @Override
  public void onTcpConnectionClosed(TcpConnectionLog log) {
    each(o -> o.onTcpConnectionClosed(log));
  }

  /** Tells every observer, each even when one before it threw; then throws the first. */
  private void each(java.util.function.Consumer<ProxyObserver> call) {
    RuntimeException failure = null;
    for (ProxyObserver o : observers) {
      try {
        call.accept(o);
      } catch (RuntimeException e) {
        failure = record(failure, e);
      }
    }
    rethrow(failure);
  }

  @Override
  public void onTunnelOpened(String pool) {
    RuntimeException failure = null;
    for (ProxyObserver o : observers) {
      try {
        o.onTunnelOpened(pool);
      } catch (RuntimeException e) {
        failure = record(failure, e);
      }
    }
    rethrow(failure);
  }

  @Override
  public void onTunnelBytes(String pool, boolean fromClient, int bytes) {
    RuntimeException failure = null;
    for (ProxyObserver o : observers) {
      try {
        o.onTunnelBytes(pool, fromClient, bytes);
      } catch (RuntimeException e) {
        failure = record(failure, e);
      }
    }
    rethrow(failure);
  }

  @Override
  public void onTunnelClosed(String pool, TunnelEnd end) {
    RuntimeException failure = null;
    for (ProxyObserver o : observers) {
      try {
        o.onTunnelClosed(pool, end);
      } catch (RuntimeException e) {
        failure = record(failure, e);
      }
    }
    rethrow(failure);
  }

  private static RuntimeException record(RuntimeException first, RuntimeException next) {
    if (first == null) {
      return next;
    }
    first.addSuppressed(next);
    return first;
  }

  private static void rethrow(RuntimeException failure) {
    if (failure != null) {
      throw failure;
    }
  }

  @Override
  public String toString() {
    return "CompositeObserver" + List.of(observers);
  }
}
