package dev.spindle.io.internal;

import java.io.IOException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.spi.AbstractSelectableChannel;
import java.nio.channels.spi.AbstractSelector;
import java.nio.channels.spi.SelectorProvider;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * A selector that fails on demand: a real selector underneath, and the next {@link #failSelects} select calls
 * throw {@link IOException} instead of selecting. Registration is delegated (the channel gets the real
 * selector's key), so readiness, interest and wakeups behave as in production. It also counts the selects that
 * ran ({@link #selects}) and the keys they reported to a {@code select(Consumer)} action ({@link #reported}), for
 * tests that check the reactor does not spin.
 *
 * <p>Delegating registration makes the channel record the key twice (once per selector it thinks it is
 * registered with), so a channel closed here keeps its descriptor until the JVM exits: fine for a test that
 * only reads and writes after the fault.
 */
final class FaultySelector extends AbstractSelector {
    final AtomicInteger failSelects = new AtomicInteger();
    final AtomicInteger failed = new AtomicInteger();
    final AtomicLong selects = new AtomicLong();
    final AtomicLong reported = new AtomicLong();
    private final Selector real;

    FaultySelector() throws IOException {
        super(SelectorProvider.provider());
        real = SelectorProvider.provider().openSelector();
    }

    private void maybeFail() throws IOException {
        if (failSelects.getAndUpdate(n -> n > 0 ? n - 1 : 0) > 0) {
            failed.incrementAndGet();
            throw new IOException("injected failure of the selector");
        }
        selects.incrementAndGet();
    }

    private Consumer<SelectionKey> counting(Consumer<SelectionKey> action) {
        return k -> {
            reported.incrementAndGet();
            action.accept(k);
        };
    }

    @Override
    protected SelectionKey register(AbstractSelectableChannel ch, int ops, Object att) {
        try {
            return ch.register(real, ops, att);
        } catch (java.nio.channels.ClosedChannelException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public Set<SelectionKey> keys() {
        return real.keys();
    }

    @Override
    public Set<SelectionKey> selectedKeys() {
        return real.selectedKeys();
    }

    @Override
    public int selectNow() throws IOException {
        maybeFail();
        return real.selectNow();
    }

    @Override
    public int select(long timeout) throws IOException {
        maybeFail();
        return real.select(timeout);
    }

    @Override
    public int select() throws IOException {
        maybeFail();
        return real.select();
    }

    @Override
    public int select(Consumer<SelectionKey> action, long timeout) throws IOException {
        maybeFail();
        return real.select(counting(action), timeout);
    }

    @Override
    public int select(Consumer<SelectionKey> action) throws IOException {
        maybeFail();
        return real.select(counting(action));
    }

    @Override
    public int selectNow(Consumer<SelectionKey> action) throws IOException {
        maybeFail();
        return real.selectNow(counting(action));
    }

    @Override
    public Selector wakeup() {
        real.wakeup();
        return this;
    }

    @Override
    protected void implCloseSelector() throws IOException {
        real.close();
    }
}
