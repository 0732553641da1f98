package dev.spindle.diagnostics;

import java.util.List;

/**
 * A resource that was garbage-collected without being closed.
 *
 * @param what      the resource, as it described itself when it was created ({@code "TcpStream a->b"})
 * @param createdAt where it was created: the stack of the thread that created it
 * @param message   the whole report as logged: "LEAK: &lt;what&gt; was garbage-collected without close(); created at:"
 *                  and the stack
 */
public record LeakReport(String what, List<StackTraceElement> createdAt, String message) {
    public LeakReport {
        createdAt = List.copyOf(createdAt);
    }
}
