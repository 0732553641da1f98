package dev.spindle.examples;

import dev.spindle.Future;
import dev.spindle.JoinHandle;
import dev.spindle.SpindleRuntime;
import dev.spindle.sync.Mpsc;
import dev.spindle.time.Time;

import java.time.Duration;

/** The README's short example, compiled with the build so that it stays true. */
public final class QuickStart {
    private QuickStart() {
    }

    public static void main(String[] args) {
        try (SpindleRuntime rt = SpindleRuntime.builder().workers(4).build()) {
            // A future is a state machine; combinators build bigger ones. Nothing runs until it is polled.
            Future<String> slow = Time.sleep(Duration.ofMillis(20)).map(v -> "slept");
            JoinHandle<String> h = rt.spawn(slow);
            System.out.println(h.join());                            // blocks this thread (never a worker's)

            // Channels connect tasks; recv() yields null once every sender has closed.
            Mpsc.Channel<Integer> ch = Mpsc.bounded(16);
            rt.spawn(ch.sender().send(42).map(v -> { ch.sender().close(); return v; }));
            System.out.println(rt.blockOn(ch.receiver().recv()));   // 42

            // Deadlines cancel what they cut short; blocking code goes to a virtual thread.
            JoinHandle<Integer> blocking = rt.spawnBlocking(() -> { Thread.sleep(5); return 7; });
            System.out.println(rt.blockOn(Time.timeout(Duration.ofSeconds(1), blocking)));
        }
    }
}
