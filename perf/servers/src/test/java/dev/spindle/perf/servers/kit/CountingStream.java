package dev.spindle.perf.servers.kit;

import dev.spindle.Context;
import dev.spindle.Poll;
import dev.spindle.io.AsyncRead;
import dev.spindle.io.AsyncWrite;
import dev.spindle.io.testkit.MockStream;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * A {@link MockStream} that also counts write calls (to see that responses are gathered into one write) and
 * closes (the connection's close hook).
 */
public final class CountingStream implements AsyncRead, AsyncWrite, AutoCloseable {
    public final MockStream mock;
    public int writeCalls;
    public int closes;

    public CountingStream(MockStream mock) {
        this.mock = mock;
    }

    @Override
    public Poll<Integer> pollRead(Context cx, ByteBuffer dst) throws IOException {
        return mock.pollRead(cx, dst);
    }

    @Override
    public Poll<Integer> pollWrite(Context cx, ByteBuffer src) throws IOException {
        writeCalls++;
        return mock.pollWrite(cx, src);
    }

    @Override
    public Poll<Void> pollFlush(Context cx) {
        return mock.pollFlush(cx);
    }

    @Override
    public Poll<Void> pollShutdown(Context cx) {
        return mock.pollShutdown(cx);
    }

    @Override
    public void close() {
        closes++;
    }
}
