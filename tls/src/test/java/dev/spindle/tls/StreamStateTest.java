package dev.spindle.tls;

import org.junit.jupiter.api.Test;

import javax.net.ssl.SSLException;
import java.io.IOException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The transitions of {@link StreamState}, one at a time. */
class StreamStateTest {
    private final StreamState state = new StreamState("peer:443");

    @Test
    void aNewStreamIsOpenBothWaysAndNotYetHandshaken() {
        assertThat(state.input()).isEqualTo(StreamState.Input.OPEN);
        assertThat(state.inputOpen()).isTrue();
        assertThat(state.output()).isEqualTo(StreamState.Output.OPEN);
        assertThat(state.handshakeDone()).isFalse();
        assertThat(state.failed()).isFalse();
        assertThat(state.isClosed()).isFalse();
        assertThatCode(state::checkWritable).doesNotThrowAnyException();
    }

    @Test
    void theHandshakeFinishesOnce() {
        state.handshakeFinished();
        assertThat(state.handshakeDone()).isTrue();
    }

    @Test
    void closeNotifyEndsInputOnly() {
        state.closeNotifyReceived();
        assertThat(state.input()).isEqualTo(StreamState.Input.CLOSE_NOTIFY);
        assertThat(state.inputOpen()).isFalse();
        assertThatCode(state::checkWritable).as("TLS 1.3 keeps our side open").doesNotThrowAnyException();
    }

    @Test
    void anAcceptedEofEndsInput() {
        state.inputEnded();
        assertThat(state.input()).isEqualTo(StreamState.Input.EOF);
        assertThat(state.inputOpen()).isFalse();
    }

    @Test
    void aTruncationIsThrownAtEveryReadWithTheRecordedOneAsCause() {
        SSLException cut = new SSLException("TLS stream truncated");
        state.inputTruncated(cut);
        assertThat(state.input()).isEqualTo(StreamState.Input.TRUNCATED);
        SSLException first = state.truncation();
        SSLException second = state.truncation();
        assertThat(first).hasMessage("TLS stream truncated").hasCause(cut).isNotSameAs(second);
        assertThat(second).hasCause(cut);
        assertThat(state.failed()).as("reading ended, the stream did not fail").isFalse();
    }

    @Test
    void theEndOfStreamIsAResultOnce() {
        assertThat(state.firstEndOfStream()).isTrue();
        assertThat(state.firstEndOfStream()).isFalse();
        assertThat(state.firstEndOfStream()).isFalse();
    }

    @Test
    void shutdownGoesFromOpenThroughClosingToShut() {
        state.outputClosing();
        assertThat(state.output()).isEqualTo(StreamState.Output.CLOSING);
        assertThatThrownBy(state::checkWritable).isInstanceOf(IOException.class)
                .hasMessageContaining("write after shutdown").hasMessageContaining("peer:443");
        state.outputShut();
        assertThat(state.output()).isEqualTo(StreamState.Output.SHUT);
        assertThatCode(state::checkUsable).as("reading goes on").doesNotThrowAnyException();
    }

    @Test
    void theFirstFailureWinsAndEndsBothDirections() {
        SSLException first = new SSLException("bad record mac");
        assertThat(state.fail(first)).isSameAs(first);
        IOException second = new IOException("reset");
        assertThat(state.fail(second)).as("returned for the caller to throw").isSameAs(second);
        assertThat(state.failed()).isTrue();
        assertThatThrownBy(state::checkUsable).isInstanceOf(SSLException.class)
                .hasMessage("TLS stream failed earlier: bad record mac").hasCause(first);
        assertThatThrownBy(state::checkWritable).hasCause(first);
    }

    @Test
    void aTransportFailureIsRethrownAsAnIOException() {
        IOException reset = new IOException("connection reset");
        state.fail(reset);
        assertThatThrownBy(state::checkUsable).isExactlyInstanceOf(IOException.class).hasCause(reset);
    }

    @Test
    void aWriteFailureEndsOutputButNotInput() {
        IOException broken = new IOException("broken pipe");
        state.writeFailed(broken);
        assertThat(state.writeFailure()).isSameAs(broken);
        assertThatThrownBy(state::checkWritable).hasMessageContaining("writing to peer:443 failed earlier")
                .hasCause(broken);
        assertThatCode(state::checkUsable).doesNotThrowAnyException();
        assertThat(state.failed()).isFalse();
    }

    @Test
    void closeHappensOnceAndEndsEverything() {
        assertThat(state.close()).isTrue();
        assertThat(state.close()).isFalse();
        assertThat(state.isClosed()).isTrue();
        assertThatThrownBy(state::checkUsable).hasMessageContaining("TLS stream closed");
        assertThatThrownBy(state::checkWritable).hasMessageContaining("TLS stream closed");
    }

    @Test
    void theEngineIsReleasedOnce() {
        assertThat(state.releaseOnce()).isTrue();
        assertThat(state.releaseOnce()).isFalse();
    }
}
