package dev.spindle.io;

import dev.spindle.io.testkit.MemoryStream;
import dev.spindle.io.testkit.StreamBehaviourSuite;

/**
 * The stream behaviour suite over the test kit's in-memory stream, so that tests using it as a stand-in for a
 * socket rely on the same behaviour (the scripted {@code MockStream} has no peer, so the suite cannot run on it).
 */
class MemoryStreamBehaviourTest extends StreamBehaviourSuite<MemoryStream> {
    @Override
    protected Pair<MemoryStream> connect() {
        MemoryStream[] ends = MemoryStream.pair(128 * 1024);
        return new Pair<>(ends[0], ends[1]);
    }

    @Override
    protected Halves halves(MemoryStream stream) {
        return new Halves(stream, stream); // its two directions share nothing: one reader and one writer may overlap
    }
}
