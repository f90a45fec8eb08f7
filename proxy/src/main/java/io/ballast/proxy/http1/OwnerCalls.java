package io.ballast.proxy.http1;

import io.netty.channel.ChannelFutureListener;
import java.util.function.Supplier;

/**
 * What an {@link Upstream} tells the leg that owns it at the time, the same for a connection and
 * a stream: how the writes it marked went ({@link Upstream.Mark}: listeners made once per
 * upstream, so that a write costs no new listener), the end of a read, a writability change.
 * Nobody hears anything while the upstream has no owner.
 *
 * <p>Event-loop only; one per upstream.
 */
final class OwnerCalls {
  private final Supplier<UpstreamLeg> owner;
  private final ChannelFutureListener head;
  private final ChannelFutureListener last;
  private final ChannelFutureListener whole;

  /** {@code owner}: the upstream's owner when a write completes (null: nobody hears). */
  OwnerCalls(Upstream upstream, Supplier<UpstreamLeg> owner) {
    this.owner = owner;
    this.head = f -> {
      UpstreamLeg o = owner.get();
      if (o != null) {
        o.onHeadWritten(upstream, f.isSuccess());
      }
    };
    this.last = f -> {
      UpstreamLeg o = owner.get();
      if (o != null) {
        o.onRequestSent(upstream, f.isSuccess());
      }
    };
    this.whole = f -> {
      head.operationComplete(f);
      last.operationComplete(f);
    };
  }

  /** The listener for a write marked {@code mark}; null for {@link Upstream.Mark#NONE}. */
  ChannelFutureListener of(Upstream.Mark mark) {
    return switch (mark) {
      case NONE -> null;
      case HEAD -> head;
      case LAST -> last;
      case WHOLE -> whole;
    };
  }

  /** The end of a read of the backend: what the owner wrote to its client goes out. */
  void readComplete() {
    UpstreamLeg o = owner.get();
    if (o != null) {
      o.flushClient();
    }
  }

  /** The upstream's writability changed: the owner may read its client again, or stop. */
  void writabilityChanged() {
    UpstreamLeg o = owner.get();
    if (o != null) {
      o.upstreamWritabilityChanged();
    }
  }
}
