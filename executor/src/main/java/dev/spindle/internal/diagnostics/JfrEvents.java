package dev.spindle.internal.diagnostics;

import dev.spindle.diagnostics.DiagnosticEvent;

/** Emits the detectors' reports as JFR events (filled in by the JFR change). */
public final class JfrEvents {
    private JfrEvents() {
    }

    public static void emit(DiagnosticEvent e) {
    }
}
