package dev.spindle.internal.scheduler;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One worker's statistics: what {@link dev.spindle.WorkerMetrics} reports, and the poll count the watchdog and
 * the stranded-work watch compare across ticks.
 *
 * <h2>Who writes, who reads</h2>
 * Only the owning worker writes a counter: a plain read of its own last write, plus one, stored with
 * {@code setOpaque}. Any thread reads with {@code getOpaque} (metrics snapshots, JMX, JFR, the watchdog, the
 * driver owner's stranded-work check). Opaque, as CONTRIBUTING promises for racy statistics: a reader never sees a
 * torn {@code long} and the owner's stores are never merged or dropped by the compiler (the watchdog needs each
 * poll's increment to reach memory), but no access is ordered with anything else and none pairs with another:
 * nobody decides anything from one reading alone (a snapshot is approximate; the watchdog confirms what it saw a
 * tick later). On x86 both are plain {@code mov}s.
 *
 * <h2>Layout</h2>
 * Its own object, with 128 bytes of padding on each side (two cache lines, as in {@link Worker}: the adjacent-line
 * prefetcher fetches lines in pairs), by class-hierarchy padding (see the package-info). The owner writes it on
 * every poll, steal and park; without the padding those writes would keep invalidating the line of whatever lies
 * next to it in memory, such as the {@link LocalQueue} allocated right after it, whose head and tail every stealer
 * reads on each steal pass.
 */
final class WorkerStats extends WorkerStatsFields {
    byte b1000, b1001, b1002, b1003, b1004, b1005, b1006, b1007, b1008, b1009, b1010, b1011, b1012, b1013, b1014, b1015,
         b1016, b1017, b1018, b1019, b1020, b1021, b1022, b1023, b1024, b1025, b1026, b1027, b1028, b1029, b1030, b1031,
         b1032, b1033, b1034, b1035, b1036, b1037, b1038, b1039, b1040, b1041, b1042, b1043, b1044, b1045, b1046, b1047,
         b1048, b1049, b1050, b1051, b1052, b1053, b1054, b1055, b1056, b1057, b1058, b1059, b1060, b1061, b1062, b1063,
         b1064, b1065, b1066, b1067, b1068, b1069, b1070, b1071, b1072, b1073, b1074, b1075, b1076, b1077, b1078, b1079,
         b1080, b1081, b1082, b1083, b1084, b1085, b1086, b1087, b1088, b1089, b1090, b1091, b1092, b1093, b1094, b1095,
         b1096, b1097, b1098, b1099, b1100, b1101, b1102, b1103, b1104, b1105, b1106, b1107, b1108, b1109, b1110, b1111,
         b1112, b1113, b1114, b1115, b1116, b1117, b1118, b1119, b1120, b1121, b1122, b1123, b1124, b1125, b1126, b1127;

    private static final VarHandle POLLS;
    private static final VarHandle STEALS;
    private static final VarHandle STOLEN_TASKS;
    private static final VarHandle PARKS;
    private static final VarHandle NOTIFIED_WAKES;
    private static final VarHandle LIFO_POLLS;
    private static final VarHandle OVERFLOWED;
    private static final VarHandle TIMERS_FIRED;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            POLLS = l.findVarHandle(WorkerStatsFields.class, "polls", long.class);
            STEALS = l.findVarHandle(WorkerStatsFields.class, "steals", long.class);
            STOLEN_TASKS = l.findVarHandle(WorkerStatsFields.class, "stolenTasks", long.class);
            PARKS = l.findVarHandle(WorkerStatsFields.class, "parks", long.class);
            NOTIFIED_WAKES = l.findVarHandle(WorkerStatsFields.class, "notifiedWakes", long.class);
            LIFO_POLLS = l.findVarHandle(WorkerStatsFields.class, "lifoPolls", long.class);
            OVERFLOWED = l.findVarHandle(WorkerStatsFields.class, "overflowed", long.class);
            TIMERS_FIRED = l.findVarHandle(WorkerStatsFields.class, "timersFired", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    // ---- the owner's increments: plain read of its own last write, opaque store ----

    /** One task poll (or cancellation) run. */
    void countPoll() {
        POLLS.setOpaque(this, polls + 1);
    }

    /** One successful steal that took {@code tasks} tasks. */
    void countSteal(int tasks) {
        STEALS.setOpaque(this, steals + 1);
        STOLEN_TASKS.setOpaque(this, stolenTasks + tasks);
    }

    /** One park (one round of the park loop). */
    void countPark() {
        PARKS.setOpaque(this, parks + 1);
    }

    /** One wake-up by a notifier (work for a searcher), as opposed to a timer, local work or a spurious one. */
    void countNotifiedWake() {
        NOTIFIED_WAKES.setOpaque(this, notifiedWakes + 1);
    }

    /** One poll of the LIFO slot's task after the task that woke it. */
    void countLifoPoll() {
        LIFO_POLLS.setOpaque(this, lifoPolls + 1);
    }

    /** {@code tasks} tasks moved to the inject queue because the local queue was full. */
    void countOverflowed(int tasks) {
        OVERFLOWED.setOpaque(this, overflowed + tasks);
    }

    /** {@code timers} timers fired. */
    void countTimersFired(int timers) {
        TIMERS_FIRED.setOpaque(this, timersFired + timers);
    }

    // ---- any thread: opaque reads (pair with nothing, see the class comment) ----

    long polls() {
        return (long) POLLS.getOpaque(this);
    }

    long steals() {
        return (long) STEALS.getOpaque(this);
    }

    long stolenTasks() {
        return (long) STOLEN_TASKS.getOpaque(this);
    }

    long parks() {
        return (long) PARKS.getOpaque(this);
    }

    long notifiedWakes() {
        return (long) NOTIFIED_WAKES.getOpaque(this);
    }

    long lifoPolls() {
        return (long) LIFO_POLLS.getOpaque(this);
    }

    long overflowed() {
        return (long) OVERFLOWED.getOpaque(this);
    }

    long timersFired() {
        return (long) TIMERS_FIRED.getOpaque(this);
    }
}

/** The counters; accessed through {@link WorkerStats}'s VarHandles (plain reads only by the owner). */
abstract class WorkerStatsFields extends WorkerPad0 { // WorkerPad0: the 128 bytes in front of them
    long polls;
    long steals;
    long stolenTasks;
    long parks;
    long notifiedWakes;
    long lifoPolls;
    long overflowed;
    long timersFired;
}
