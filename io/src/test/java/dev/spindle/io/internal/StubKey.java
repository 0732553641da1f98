package dev.spindle.io.internal;

import java.nio.channels.CancelledKeyException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;

/**
 * A key that says it is valid and then throws {@link CancelledKeyException} from the next operation: the window
 * a close on another thread opens between {@code isValid()} and {@code interestOps(..)}/{@code readyOps()},
 * made deterministic. Everything else goes to the real key.
 */
final class StubKey extends SelectionKey {
    private final SelectionKey real;
    volatile boolean throwOnInterestOps;
    volatile boolean throwOnReadyOps;

    StubKey(SelectionKey real) {
        this.real = real;
        attach(real.attachment());
    }

    @Override
    public SelectableChannel channel() {
        return real.channel();
    }

    @Override
    public Selector selector() {
        return real.selector();
    }

    @Override
    public boolean isValid() {
        return true; // what the reactor saw just before the close
    }

    @Override
    public void cancel() {
        real.cancel();
    }

    @Override
    public int interestOps() {
        if (throwOnInterestOps) {
            throw new CancelledKeyException();
        }
        return real.interestOps();
    }

    @Override
    public SelectionKey interestOps(int ops) {
        if (throwOnInterestOps) {
            throw new CancelledKeyException();
        }
        return real.interestOps(ops);
    }

    @Override
    public int readyOps() {
        if (throwOnReadyOps) {
            throw new CancelledKeyException();
        }
        return real.readyOps();
    }
}
