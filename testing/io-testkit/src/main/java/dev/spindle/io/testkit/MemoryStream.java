package dev.spindle.io.testkit;

import dev.spindle.Context;
import dev.spindle.Poll;
import dev.spindle.Waker;
import dev.spindle.io.AsyncRead;
import dev.spindle.io.AsyncWrite;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One end of an in-memory connection (like {@code tokio::io::duplex}): what one end writes, the other reads, through
 * a bounded buffer per direction, so a stream consumer can be tested with a live peer and no socket, where
 * {@link MockStream} would need every step scripted. It behaves as a TCP stream does: a full buffer makes the writer
 * wait, {@code pollShutdown} gives the peer EOF while the other direction goes on, {@link #close()} wakes this end's
 * waiters (their next call fails) and gives the peer EOF, and each read or write spends one unit of the task's
 * cooperative budget.
 *
 * <p>Protocol: each direction is a {@link Pipe} guarded by its own lock; a poll that cannot proceed leaves its waker
 * in the pipe under that lock, and whoever changes the pipe (a write, a read freeing room, a shutdown, a close) takes
 * the waker under the same lock and wakes it after unlocking, so no wake is lost and no waker runs under a lock. One
 * task may read and another write at the same time (the two directions share nothing); two readers of one end are
 * not supported, as with TCP.
 */
public final class MemoryStream implements AsyncRead, AsyncWrite, AutoCloseable {
    private final Pipe in;
    private final Pipe out;
    /**
     * {@link #close()} was called. Volatile: written by close() before it takes each pipe's lock, read by polls under
     * that lock; a poll that read false left its waker in the pipe first, and close() wakes it.
     */
    private volatile boolean closed;

    private MemoryStream(Pipe in, Pipe out) {
        this.in = in;
        this.out = out;
    }

    /** Two connected ends, each direction buffering up to {@code capacity} bytes. */
    public static MemoryStream[] pair(int capacity) {
        Pipe aToB = new Pipe(capacity);
        Pipe bToA = new Pipe(capacity);
        return new MemoryStream[]{new MemoryStream(bToA, aToB), new MemoryStream(aToB, bToA)};
    }

    /** One direction: bytes written by one end and not yet read by the other, and who waits on them. */
    private static final class Pipe {
        final ReentrantLock lock = new ReentrantLock();
        /** In write mode: position is the fill. */
        final ByteBuffer bytes;
        /** The writing end shut down or closed: the reader gets EOF once the bytes are read. */
        boolean writerDone;
        /** The reading end closed: writes fail. */
        boolean readerClosed;
        Waker reader;
        Waker writer;

        Pipe(int capacity) {
            bytes = ByteBuffer.allocate(capacity);
        }

        /** Takes the waiting reader and writer (under the lock), to wake them after unlocking. */
        Waker[] takeWaiters() {
            Waker[] w = {reader, writer};
            reader = null;
            writer = null;
            return w;
        }
    }

    private static void wake(Waker... wakers) {
        for (Waker w : wakers) {
            if (w != null) {
                w.wake();
            }
        }
    }

    @Override
    public Poll<Integer> pollRead(Context cx, ByteBuffer dst) throws IOException {
        Waker writer;
        int n;
        in.lock.lock();
        try {
            if (closed) {
                throw new IOException("stream closed: close() was called on this MemoryStream");
            }
            if (in.bytes.position() == 0) {
                if (in.writerDone) {
                    return Poll.ready(-1);
                }
                in.reader = cx.waker();
                return Poll.pending();
            }
            if (!dst.hasRemaining()) {
                return Poll.ready(0);
            }
            if (!cx.consumeBudget()) {
                return Poll.pending(); // budget spent: the task was woken and goes to the back of the queue
            }
            in.bytes.flip();
            n = Math.min(in.bytes.remaining(), dst.remaining());
            dst.put(dst.position(), in.bytes, in.bytes.position(), n);
            dst.position(dst.position() + n);
            in.bytes.position(in.bytes.position() + n);
            in.bytes.compact();
            writer = in.writer;
            in.writer = null;
        } finally {
            in.lock.unlock();
        }
        wake(writer); // room freed
        return Poll.ready(n);
    }

    @Override
    public Poll<Integer> pollWrite(Context cx, ByteBuffer src) throws IOException {
        Waker reader;
        int n;
        out.lock.lock();
        try {
            if (closed) {
                throw new IOException("stream closed: close() was called on this MemoryStream");
            }
            if (out.writerDone) {
                throw new IOException("write after shutdown");
            }
            if (out.readerClosed) {
                throw new IOException("broken pipe: the peer closed its end");
            }
            if (!src.hasRemaining()) {
                return Poll.ready(0);
            }
            if (!out.bytes.hasRemaining()) {
                out.writer = cx.waker();
                return Poll.pending();
            }
            if (!cx.consumeBudget()) {
                return Poll.pending(); // budget spent: the task was woken and goes to the back of the queue
            }
            n = Math.min(out.bytes.remaining(), src.remaining());
            out.bytes.put(out.bytes.position(), src, src.position(), n);
            out.bytes.position(out.bytes.position() + n);
            src.position(src.position() + n);
            reader = out.reader;
            out.reader = null;
        } finally {
            out.lock.unlock();
        }
        wake(reader); // data arrived
        return Poll.ready(n);
    }

    @Override
    public Poll<Void> pollFlush(Context cx) throws IOException {
        if (closed) {
            throw new IOException("stream closed: close() was called on this MemoryStream");
        }
        return Poll.readyNull(); // nothing is buffered on this side: a write is in the peer's buffer at once
    }

    @Override
    public Poll<Void> pollShutdown(Context cx) throws IOException {
        Waker reader;
        out.lock.lock();
        try {
            if (closed) {
                throw new IOException("stream closed: close() was called on this MemoryStream");
            }
            out.writerDone = true;
            reader = out.reader;
            out.reader = null;
        } finally {
            out.lock.unlock();
        }
        wake(reader); // EOF for the peer
        return Poll.readyNull();
    }

    /**
     * Closes this end: its waiting tasks are woken and their next call fails; the peer reads what was written, then
     * EOF, and its writes fail. Idempotent.
     */
    @Override
    public void close() {
        closed = true;
        Waker[] inWaiters;
        Waker[] outWaiters;
        in.lock.lock();
        try {
            in.readerClosed = true;
            inWaiters = in.takeWaiters();
        } finally {
            in.lock.unlock();
        }
        out.lock.lock();
        try {
            out.writerDone = true;
            outWaiters = out.takeWaiters();
        } finally {
            out.lock.unlock();
        }
        wake(inWaiters);
        wake(outWaiters);
    }
}
