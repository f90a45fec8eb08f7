package io.ballast.proxy.http1;

import io.netty.channel.ChannelFutureListener;
import java.util.function.Supplier;

/**
 * The listeners through which an {@link Upstream} tells its owner how the writes it marked went
 * ({@link Upstream.Mark}): made once per upstream, so that a write costs no new listener.
 *
 * <p>Event-loop only; one per upstream.
 */
final class WriteMarks {
  private final ChannelFutureListener head;
  private final ChannelFutureListener last;
  private final ChannelFutureListener whole;

  /** {@code owner}: the upstream's owner when a write completes (null: nobody hears). */
  WriteMarks(Upstream upstream, Supplier<UpstreamLeg> owner) {
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
}
