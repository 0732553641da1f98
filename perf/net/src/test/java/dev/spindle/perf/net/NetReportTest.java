package dev.spindle.perf.net;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The report tables from raw result lines whose medians, best peers and ratios are worked out by hand in each
 * test: a wrong median, a best peer picked the wrong way round, a ratio against the wrong column or a number
 * formatted differently changes a row.
 */
class NetReportTest {
    private static final List<String> KINDS = List.of("spindle", "netty", "blocking-vt");

    /** Spindle ran two rounds, the peers one each; blocking-vt has the most requests, Netty the lowest latency. */
    private static final List<String> HTTP = List.of(
            "load\thttp-c64\tspindle\t1\t100\t500\t1000\t50\t90\t0",
            "load\thttp-c64\tspindle\t2\t200\t700\t3000\t70\t80\t0",
            "load\thttp-c64\tnetty\t1\t120\t400\t500\t60\t85\t0",
            "load\thttp-c64\tblocking-vt\t1\t160\t450\t800\t100\t88\t2");

    @Test
    void summariesTakeTheMedianOfRoundsAndCompareWithTheBestPeerOfEachColumn() {
        String report = NetReport.render(HTTP, KINDS);
        // Requests/s: Spindle (100 + 200) / 2 = 150 against blocking-vt's 160, the highest of the peers.
        assertThat(report).contains("### Requests/s (higher is better), median of rounds\n\n"
                + "| shape | Spindle | Netty (NIO) | blocking + virtual threads | best peer | Spindle ÷ best peer |\n"
                + "| --- | ---: | ---: | ---: | --- | ---: |\n"
                + "| HTTP keep-alive GET, wrk 64 conns | 150 | 120 | 160 | blocking + virtual threads | 0.94 |\n");
        // CPU per request = CPU % / 100 × 10^6 / rps: Spindle's rounds 5,000 and 3,500 µs, Netty 5,000,
        // blocking 6,250.
        assertThat(report).contains(
                "| HTTP keep-alive GET, wrk 64 conns | 4,250 | 5,000 | 6,250 | Netty (NIO) | 0.85 |\n");
        // p99: lower is better, so the best peer is Netty's 500 µs.
        assertThat(report).contains("### p99 latency in µs (lower is better), median of rounds\n\n")
                .contains("| HTTP keep-alive GET, wrk 64 conns | 2,000 | 500 | 800 | Netty (NIO) | 4.00 |\n");
    }

    @Test
    void theDetailTableHasEveryColumnAndARatioRowWithoutTheClientColumns() {
        String report = NetReport.render(HTTP, KINDS);
        assertThat(report).contains("#### HTTP keep-alive GET, wrk 64 conns (http-c64)\n\n"
                + "| server | rounds | req/s | p50 µs | p99 µs | server CPU % of a core | server CPU µs/req"
                + " | client CPU % | errors |\n"
                + "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n"
                + "| Spindle | 2 | 150 | 600 | 2,000 | 60 | 4,250 | 85 | 0 |\n"
                + "| Netty (NIO) | 1 | 120 | 400 | 500 | 60 | 5,000 | 85 | 0 |\n"
                + "| blocking + virtual threads | 1 | 160 | 450 | 800 | 100 | 6,250 | 88 | 2 |\n"
                + "| Spindle ÷ best peer | | 0.94 | 1.50 | 4.00 | 1.00 | 0.85 | – | – |\n");
    }

    @Test
    void aKindWithoutResultsGetsDashesAndFractionsKeepThreeFigures() {
        String report = NetReport.render(List.of(
                "load\techo-c1000-16384\tspindle\t1\t1250.4\t12.34\t1.234\t123.4\t50\t0",
                "load\techo-c1000-16384\tnetty\t1\t1000\t10\t2\t100\t50\t0"), KINDS);
        assertThat(report).contains("| echo 1000 conns × 16 KiB | 1,250 | 1,000 | – | Netty (NIO) | 1.25 |\n")
                .contains("| Spindle | 1 | 1,250 | 12.3 | 1.23 | 123 | 987 | 50 | 0 |\n")
                .contains("| blocking + virtual threads | 0 | – | – | – | – | – | – | – |\n");
    }

    @Test
    void withoutAnyPeerResultThereIsNoBestPeerAndNoRatio() {
        String report = NetReport.render(List.of("load\thttp-c256\tspindle\t1\t100\t5\t9\t50\t50\t0"), KINDS);
        assertThat(report).contains("| HTTP keep-alive GET, wrk 256 conns | 100 | – | – | – | – |\n")
                .contains("| Spindle ÷ best peer | | – | – | – | – | – | – | – |\n");
    }

    @Test
    void idleRowsGiveBytesPerConnectionAndNoRatioForTheChecks() {
        String report = NetReport.render(List.of(
                "idle\tidle-10000\tspindle\t1\t10000\t100000\t126000\t50000\t58000\t0.0\t0",
                "idle\tidle-10000\tnetty\t1\t10000\t100000\t150000\t50000\t70000\t0.1\t0"), KINDS);
        // RSS per connection: (after − before) KiB × 1024 / connections; the live heap the same way.
        assertThat(report).contains("#### 10,000 idle connections (idle-10000)\n\n")
                .contains("| Spindle | 1 | 10,000 | 97.7 | 123 | 2,662 | 819 | 0 | 0 |\n")
                .contains("| Netty (NIO) | 1 | 10,000 | 97.7 | 146 | 5,120 | 2,048 | 0.10 | 0 |\n")
                .contains("| Spindle ÷ best peer | | – | 1.00 | 0.84 | 0.52 | 0.40 | 0.00 | – |\n")
                .doesNotContain("Requests/s");
    }

    @Test
    void failedRunsAreListedAndLeftOutOfTheMedians() {
        List<String> lines = new java.util.ArrayList<>(HTTP);
        lines.add("fail\thttp-c64\tnetty\t2\tserver did not start");
        lines.add("");
        String report = NetReport.render(lines, KINDS);
        assertThat(report).contains("| Netty (NIO) | 1 | 120 |")
                .endsWith("\n**Failed runs** (left out of the medians):\n\n"
                        + "- http-c64, Netty (NIO), round 2: server did not start\n");
    }

    @Test
    void theTlsRunNamesHandshakesAndHasARatioRowPerSpindleEngine() {
        List<String> kinds = List.of("spindle-jdk", "spindle-boringssl", "netty-jdk", "blocking-vt");
        String report = NetReport.render(List.of(
                "load\ttls-handshakes\tspindle-jdk\t1\t400\t1\t2\t100\t30\t0",
                "load\ttls-handshakes\tspindle-boringssl\t1\t900\t1\t2\t50\t30\t0",
                "load\ttls-handshakes\tnetty-jdk\t1\t500\t1\t2\t100\t30\t0",
                "load\ttls-handshakes\tblocking-vt\t1\t600\t1\t2\t100\t30\t0",
                "idle\ttls-idle-10000\tspindle-jdk\t1\t10000\t0\t10240\tNaN\tNaN\t0.0\t0"), kinds);
        assertThat(report).contains("### Requests/s (echo) and full handshakes/s (higher is better)")
                .contains("| full TLS handshakes | 400 | 900 | 500 | 600 | blocking + virtual threads"
                        + " | 0.67 | 1.50 |\n")
                .contains("| server | rounds | handshakes/s | p50 µs | p99 µs | server CPU % of a core"
                        + " | server CPU µs/handshake |")
                .contains("| Spindle (JDK engine) ÷ best peer | |")
                .contains("| Spindle (BoringSSL) ÷ best peer | |")
                // A heap the script could not read is NaN: a dash, not a number.
                .contains("#### 10,000 idle TLS connections (tls-idle-10000)")
                .contains("| Spindle (JDK engine) | 1 | 10,000 | 0 | 10 | 1,049 | – | 0 | 0 |\n");
    }

    @Test
    void anUnknownLineIsAnError() {
        assertThatThrownBy(() -> NetReport.render(List.of("lost\thttp-c64\tspindle\t1"), KINDS))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("lost\thttp-c64");
    }

    @Test
    void serverCpuPerRequestIsCpuSecondsOverRequests() {
        // 150 % of a core at 30,000 req/s: 1.5 CPU seconds per 30,000 requests = 50 µs each.
        assertThat(NetReport.serverMicrosPerRequest(new String[]{"load", "s", "k", "1", "30000", "", "", "150"}))
                .isEqualTo(50.0);
        assertThat(NetReport.serverMicrosPerRequest(new String[]{"load", "s", "k", "1", "0", "", "", "150"}))
                .isNaN();
    }
}
