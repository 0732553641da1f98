package dev.spindle.diagnostics;

import dev.spindle.JoinHandle;
import dev.spindle.SpindleRuntime;
import dev.spindle.time.Time;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class TaskDumpTest {

    @Test
    void theDumpListsEveryLiveTaskWithWhatItWaitsOnAndWhereItWasSpawned() throws Exception {
        try (SpindleRuntime rt = SpindleRuntime.builder().workers(2).name("dump").build()) {
            JoinHandle<Void> timer = rt.spawn("session-timeout", Time.sleep(Duration.ofMinutes(5)));
            JoinHandle<Void> joiner = rt.spawn("awaits-timeout", timer);
            JoinHandle<Object> blocking = rt.spawnBlocking(() -> {
                Thread.sleep(10_000);
                return null;
            });
            Thread.sleep(100);
            TaskDump dump = rt.dump();
            String table = dump.toString();
            assertThat(dump.runtime()).isEqualTo("dump");
            TaskInfo t = dump.tasks().stream().filter(i -> "session-timeout".equals(i.name())).findFirst().orElseThrow();
            assertThat(t.state()).isEqualTo(TaskInfo.State.IDLE);
            assertThat(t.typeChain()).isEqualTo("Sleep");
            assertThat(t.waitingOn()).startsWith("timer due in");
            assertThat(t.spawnSite()).contains("TaskDumpTest.theDumpListsEveryLiveTask");
            assertThat(t.counters().polls()).isEqualTo(1);
            TaskInfo j = dump.tasks().stream().filter(i -> "awaits-timeout".equals(i.name())).findFirst().orElseThrow();
            assertThat(j.waitingOn()).contains("#" + t.id());
            assertThat(dump.tasks()).anySatisfy(i -> assertThat(i.state()).isEqualTo(TaskInfo.State.BLOCKING));
            assertThat(table).contains("session-timeout", "awaits-timeout", "waiting on timer due in", "spawned at",
                    "BLOCKING");
            blocking.abort();
            joiner.abort();
            timer.abort();
        }
    }

    @Test
    void spawnSitesAreTheCallersFrameOrTheWholeStack() throws Exception {
        try (SpindleRuntime rt = SpindleRuntime.builder().workers(1).name("sites")
                .spawnSites(SpawnSiteCapture.STACK).build()) {
            JoinHandle<Void> h = rt.spawn(Time.sleep(Duration.ofMinutes(1)));
            Thread.sleep(50);
            TaskInfo t = rt.dump().tasks().get(0);
            assertThat(t.spawnSite()).startsWith("dev.spindle.diagnostics.TaskDumpTest.spawnSitesAreTheCallersFrame")
                    .contains("\n\t\tat ");
            h.abort();
        }
    }

    /** Waits forever (takes its waker); spawned only by the test below, so its spawn-site cache starts empty. */
    private static final class Parked implements dev.spindle.Future<Void> {
        @Override
        public dev.spindle.Poll<Void> poll(dev.spindle.Context cx) {
            cx.waker();
            return dev.spindle.Poll.pending();
        }
    }

    @Test
    void aTypeSpawnedFromASecondPlaceIsFoundByTheRecheckAndThenShowsEachPlace() throws Exception {
        try (SpindleRuntime rt = SpindleRuntime.builder().workers(1).name("two-sites").build()) {
            java.util.List<JoinHandle<Void>> all = new java.util.ArrayList<>();
            for (int i = 0; i < 8; i++) {
                all.add(rt.spawn(new Parked())); // the first site: learnt, then trusted
            }
            // From a second place: trusted at first (the documented limit), until a re-check walk (one spawn in
            // 1024, by task id) sees the other frame and makes the type multi-site; from then on each spawn walks.
            for (int i = 0; i < 1100; i++) {
                all.add(spawnElsewhere(rt, null));
            }
            all.add(spawnElsewhere(rt, "elsewhere"));
            Thread.sleep(100);
            TaskInfo t = rt.dump().tasks().stream().filter(i -> "elsewhere".equals(i.name())).findFirst().orElseThrow();
            assertThat(t.spawnSite()).contains("spawnElsewhere");
            all.forEach(JoinHandle::abort);
        }
    }

    private static JoinHandle<Void> spawnElsewhere(SpindleRuntime rt, String name) {
        return name == null ? rt.spawn(new Parked()) : rt.spawn(name, new Parked());
    }
}
