package dev.bulwark.web.impl;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A channel handler with one lazy deadline timer, the base of {@link HeaderDeadline} and
 * {@link FramingCheck} (for its idle timeout): the traffic only notes times in fields, and a timer
 * scheduled on the channel's event loop calls {@link #check} at the deadline, which looks at them and decides
 * (act, schedule itself again for a later deadline, or stop). So no timer is scheduled or
 * cancelled per request. The timer stops when the handler leaves the pipeline or the channel
 * goes inactive. Netty skips the outbound methods a subclass does not override. Confined to its
 * channel's event loop.
 */
abstract class LazyTimer extends ChannelDuplexHandler {

  /** The handler's context, set when it is added to a pipeline. */
  ChannelHandlerContext ctx;
  private ScheduledFuture<?> timer;

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    cancel();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    cancel();
    ctx.fireChannelInactive();
  }

  /** Whether a check is scheduled. */
  final boolean scheduled() {
    return timer != null;
  }

  /** Schedules the check {@code delayNanos} from now. */
  final void schedule(long delayNanos) {
    timer = ctx.executor().schedule(this::fire, delayNanos, TimeUnit.NANOSECONDS);
  }

  private void cancel() {
    if (timer != null) {
      timer.cancel(false);
      timer = null;
    }
  }

  private void fire() {
    timer = null;
    check();
  }

  /** The deadline came: act, or {@link #schedule} the next check; nothing is scheduled now. */
  abstract void check();
}
