package dev.spindle.perf;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.GenericFutureListener;
import io.netty.util.concurrent.Promise;

/**
 * Netty's counterpart of {@link Shapes.SpawnAndAwait}'s awaiting half: a task on its {@code home} event loop
 * that awaits the futures of {@code submit()}ted tasks in order, summing their results, without ever blocking
 * the loop. A future that is not done yet gets this object as its listener, and the listener re-runs the task
 * on the home loop, which resumes at the same future (as a Spindle task's next poll resumes at the same
 * handle). When all are summed it completes {@link #done}.
 */
final class NettyAwaitAll implements Runnable, GenericFutureListener<Future<Integer>> {
    private final EventLoop home;
    private final Future<Integer>[] futures;
    private int next;
    private long sum;
    final Promise<Long> done;

    NettyAwaitAll(EventLoop home, Future<Integer>[] futures) {
        this.home = home;
        this.futures = futures;
        this.done = home.newPromise();
    }

    /** Must run on {@code home}. */
    @Override
    public void run() {
        while (next < futures.length) {
            Future<Integer> f = futures[next];
            if (!f.isDone()) {
                f.addListener(this);
                return;
            }
            if (!f.isSuccess()) {
                done.tryFailure(f.cause());
                return;
            }
            sum += f.getNow();
            futures[next++] = null;
        }
        done.trySuccess(sum);
    }

    /** Runs on the loop that completed the future (or inline on {@code home} if it was done meanwhile). */
    @Override
    public void operationComplete(Future<Integer> future) {
        if (home.inEventLoop()) {
            run();
        } else {
            home.execute(this);
        }
    }
}
