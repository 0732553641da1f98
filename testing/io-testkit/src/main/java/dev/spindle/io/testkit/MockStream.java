package dev.spindle.io.testkit;

import dev.spindle.Context;
import dev.spindle.Poll;
import dev.spindle.Waker;
import dev.spindle.io.AsyncRead;
import dev.spindle.io.AsyncWrite;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;

/**
 * A scripted {@link AsyncRead} and {@link AsyncWrite} for testing code that consumes streams (like
 * {@code tokio_test::io::Builder}). The read script and the write script are separate queues of actions,
 * consumed in order:
 * <pre>{@code
 * MockStream m = MockStream.builder()
 *         .read("hel").readPending().read("lo").readEof()
 *         .write("hello").writePending().write("!").build();
 * }</pre>
 * <ul>
 *   <li>{@code read(bytes)}: the next reads return these bytes (split across reads if the buffer is small).</li>
 *   <li>{@code readPending()} / {@code writePending()}: the next poll registers the waker and returns Pending;
 *       the mock then wakes that waker at once (as a socket would when data arrives), and the following poll
 *       goes on with the script. {@link #wakeCount()} counts those wakes.</li>
 *   <li>{@code readError(e)} / {@code writeError(e)}: the next poll throws {@code e}.</li>
 *   <li>{@code readEof()}: reads return -1 from then on.</li>
 *   <li>{@code write(bytes)}: the next writes must carry exactly these bytes (partial writes allowed,
 *       capped by {@code writeLimit}); anything else fails with an {@link AssertionError} saying what differed.</li>
 * </ul>
 * {@link #assertDone()} checks that both scripts were used up. A read past the end of the read script, or a
 * write past the end of the write script, fails with an {@link AssertionError}. Not thread-safe: poll from
 * one task.
 */
public final class MockStream implements AsyncRead, AsyncWrite {
    private sealed interface Action permits Data, Pending, Failure, Eof {
    }

    private record Data(byte[] bytes, int[] offset) implements Action {
    }

    private record Pending() implements Action {
    }

    private record Failure(IOException error) implements Action {
    }

    private record Eof() implements Action {
    }

    private final Deque<Action> reads;
    private final Deque<Action> writes;
    private final int writeLimit;
    private int wakes;
    private boolean shutdown;
    private int flushes;

    private MockStream(Builder b) {
        this.reads = b.reads;
        this.writes = b.writes;
        this.writeLimit = b.writeLimit;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Builds the scripts. */
    public static final class Builder {
        private final Deque<Action> reads = new ArrayDeque<>();
        private final Deque<Action> writes = new ArrayDeque<>();
        private int writeLimit = Integer.MAX_VALUE;

        public Builder read(byte[] bytes) {
            reads.add(new Data(bytes.clone(), new int[1]));
            return this;
        }

        public Builder read(String utf8) {
            return read(utf8.getBytes(StandardCharsets.UTF_8));
        }

        public Builder readPending() {
            reads.add(new Pending());
            return this;
        }

        public Builder readError(IOException e) {
            reads.add(new Failure(e));
            return this;
        }

        public Builder readEof() {
            reads.add(new Eof());
            return this;
        }

        public Builder write(byte[] expected) {
            writes.add(new Data(expected.clone(), new int[1]));
            return this;
        }

        public Builder write(String utf8) {
            return write(utf8.getBytes(StandardCharsets.UTF_8));
        }

        public Builder writePending() {
            writes.add(new Pending());
            return this;
        }

        public Builder writeError(IOException e) {
            writes.add(new Failure(e));
            return this;
        }

        /** Each write takes at most {@code n} bytes (to exercise partial-write handling). */
        public Builder writeLimit(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("writeLimit must be >= 1, was " + n);
            }
            writeLimit = n;
            return this;
        }

        public MockStream build() {
            return new MockStream(this);
        }
    }

    @Override
    public Poll<Integer> pollRead(Context cx, ByteBuffer dst) throws IOException {
        Action a = reads.peek();
        if (a == null) {
            throw new AssertionError("MockStream: read past the end of the read script");
        }
        switch (a) {
            case Pending p -> {
                reads.poll();
                return pendingAndWake(cx.waker());
            }
            case Failure f -> {
                reads.poll();
                throw f.error();
            }
            case Eof e -> {
                return Poll.readyCount(-1); // stays: EOF again on every later read
            }
            case Data d -> {
                if (!dst.hasRemaining()) {
                    return Poll.readyCount(0);
                }
                int n = Math.min(dst.remaining(), d.bytes().length - d.offset()[0]);
                dst.put(d.bytes(), d.offset()[0], n);
                d.offset()[0] += n;
                if (d.offset()[0] == d.bytes().length) {
                    reads.poll();
                }
                if (n > 0) {
                    cx.markProgress(); // a scripted leaf: bytes moved, as a socket's read marks them
                }
                return Poll.readyCount(n);
            }
        }
    }

    @Override
    public Poll<Integer> pollWrite(Context cx, ByteBuffer src) throws IOException {
        if (shutdown) {
            throw new IOException("MockStream: write after shutdown");
        }
        if (!src.hasRemaining()) {
            return Poll.readyCount(0);
        }
        Action a = writes.peek();
        if (a == null) {
            throw new AssertionError("MockStream: write of " + src.remaining() + " bytes past the end of the write script");
        }
        switch (a) {
            case Pending p -> {
                writes.poll();
                return pendingAndWake(cx.waker());
            }
            case Failure f -> {
                writes.poll();
                throw f.error();
            }
            case Eof e -> throw new IllegalStateException("EOF is a read action");
            case Data d -> {
                int n = Math.min(Math.min(src.remaining(), writeLimit), d.bytes().length - d.offset()[0]);
                byte[] got = new byte[n];
                src.get(got);
                byte[] want = Arrays.copyOfRange(d.bytes(), d.offset()[0], d.offset()[0] + n);
                if (!Arrays.equals(got, want)) {
                    throw new AssertionError("MockStream: wrote " + show(got) + " where the script expects " + show(want));
                }
                d.offset()[0] += n;
                if (d.offset()[0] == d.bytes().length) {
                    writes.poll();
                }
                if (n > 0) {
                    cx.markProgress();
                }
                return Poll.readyCount(n);
            }
        }
    }

    private Poll<Integer> pendingAndWake(Waker w) {
        wakes++;
        w.wake(); // what a socket does when it becomes ready again
        return Poll.pending();
    }

    @Override
    public Poll<Void> pollFlush(Context cx) {
        flushes++;
        return Poll.readyNull();
    }

    @Override
    public Poll<Void> pollShutdown(Context cx) {
        shutdown = true;
        return Poll.readyNull();
    }

    /** Wakes issued after scripted Pending results. */
    public int wakeCount() {
        return wakes;
    }

    public boolean isShutdown() {
        return shutdown;
    }

    public int flushCount() {
        return flushes;
    }

    /** Fails unless both scripts were used up (a trailing read EOF counts as used). */
    public void assertDone() {
        boolean readsDone = reads.isEmpty() || (reads.size() == 1 && reads.peek() instanceof Eof);
        if (!readsDone || !writes.isEmpty()) {
            throw new AssertionError("MockStream: script not finished: " + reads.size() + " read action(s), "
                    + writes.size() + " write action(s) left");
        }
    }

    private static String show(byte[] b) {
        return "\"" + new String(b, StandardCharsets.ISO_8859_1) + "\" (" + b.length + " bytes)";
    }
}
