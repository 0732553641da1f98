package dev.spindle.spi;

import dev.spindle.Waker;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A minimal selector-backed {@link EventDriver} for testing the runtime's side of the contract: interest is
 * registered only while a task waits (level-triggered selector), registrations are queued and applied by
 * the polling thread, and a ready key's waker is woken once.
 */
final class SelectorTestDriver implements EventDriver {
    final Selector selector;
    final AtomicLong polls = new AtomicLong();
    final AtomicLong blockingPolls = new AtomicLong();
    final AtomicLong dispatched = new AtomicLong();
    volatile boolean closed;
    private final ConcurrentLinkedQueue<Object[]> registrations = new ConcurrentLinkedQueue<>();

    SelectorTestDriver() {
        try {
            selector = Selector.open();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Any thread: wake {@code waker} once {@code channel} is ready for {@code ops}. */
    void register(SelectableChannel channel, int ops, Waker waker) {
        registrations.add(new Object[]{channel, ops, waker});
        selector.wakeup();
    }

    @Override
    public void poll(long timeoutNanos) {
        polls.incrementAndGet();
        try {
            for (Object[] r; (r = registrations.poll()) != null; ) {
                SelectableChannel ch = (SelectableChannel) r[0];
                SelectionKey key = ch.keyFor(selector);
                if (key == null) {
                    ch.register(selector, (int) r[1], r[2]);
                } else {
                    key.attach(r[2]);
                    key.interestOps((int) r[1]);
                }
            }
            if (timeoutNanos < 0) {
                blockingPolls.incrementAndGet();
                selector.select();
            } else if (timeoutNanos == 0) {
                selector.selectNow();
            } else {
                blockingPolls.incrementAndGet();
                selector.select(Math.max(1, (timeoutNanos + 999_999) / 1_000_000));
            }
            for (SelectionKey key : selector.selectedKeys()) {
                key.interestOps(0); // interest only while somebody waits
                dispatched.incrementAndGet();
                ((Waker) key.attachment()).wake();
            }
            selector.selectedKeys().clear();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void wakeup() {
        selector.wakeup();
    }

    @Override
    public void close() {
        closed = true;
        try {
            selector.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
