package dev.spindle.internal.time;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link TimerWheel} against a reference model (a map of entry → deadline; "due" is a scan): random inserts
 * (1 tick to past the top level, including clamped ones), removes, re-inserts of fired entries, and advances
 * in small and huge steps. After every advance: exactly the entries with deadline ≤ now fired, each once
 * (never early, never later than the first advance that passes its deadline); size, elapsed and
 * nextExpiration agree with the model. Plus focused tests for level boundaries and cascading.
 */
@Timeout(60)
class TimerWheelRandomizedTest {
    private static final long MAX = TimerWheel.MAX_DURATION;

    /** The wheel plus the reference model, with checks on every operation. */
    private static final class Checked {
        final TimerWheel wheel = new TimerWheel();
        final Map<TimerEntry, Long> pending = new IdentityHashMap<>();
        final String seed;

        Checked(String seed) {
            this.seed = seed;
        }

        boolean insert(TimerEntry e, long deadline) {
            long elapsed = wheel.elapsed();
            boolean inserted = wheel.insert(e, deadline);
            assertThat(inserted).as("%s: insert(%d) at elapsed %d", seed, deadline, elapsed)
                    .isEqualTo(deadline > elapsed);
            if (inserted) {
                long effective = deadline - elapsed > MAX ? elapsed + MAX : deadline; // clamped, as documented
                pending.put(e, effective);
                assertThat(e.deadline).isEqualTo(effective);
            }
            assertThat(wheel.size()).isEqualTo(pending.size());
            return inserted;
        }

        void remove(TimerEntry e) {
            wheel.remove(e);
            pending.remove(e);
            assertThat(e.inWheel).isFalse();
            assertThat(wheel.size()).as(seed).isEqualTo(pending.size());
        }

        List<TimerEntry> advance(long now) {
            lastPolled = Long.MIN_VALUE;
            long before = wheel.elapsed();
            List<TimerEntry> fired = new ArrayList<>();
            wheel.advance(now, fired::add);
            if (now < before) {
                assertThat(fired).as("%s: advance backwards fires nothing", seed).isEmpty();
                assertThat(wheel.elapsed()).isEqualTo(before);
                return fired;
            }
            Map<TimerEntry, Boolean> firedSet = new IdentityHashMap<>();
            long last = Long.MIN_VALUE;
            for (TimerEntry e : fired) {
                long d0 = pending.getOrDefault(e, Long.MIN_VALUE);
                assertThat(d0).as("%s: fired out of deadline order", seed).isGreaterThanOrEqualTo(last);
                last = d0;
                assertThat(firedSet.put(e, true)).as("%s: entry fired twice in one advance", seed).isNull();
                Long d = pending.get(e);
                assertThat(d).as("%s: fired an entry that was not pending", seed).isNotNull();
                assertThat(d).as("%s: fired early: deadline %d, advance(%d) from %d", seed, d, now, before)
                        .isLessThanOrEqualTo(now);
                assertThat(e.inWheel).isFalse();
            }
            for (Map.Entry<TimerEntry, Long> p : pending.entrySet()) {
                if (p.getValue() <= now) {
                    assertThat(firedSet).as("%s: deadline %d not fired by advance(%d) from %d", seed, p.getValue(),
                            now, before).containsKey(p.getKey());
                }
            }
            for (TimerEntry e : fired) {
                pending.remove(e);
            }
            assertThat(wheel.elapsed()).isEqualTo(now);
            checkShape();
            return fired;
        }

        /**
         * Takes up to {@code k} due entries with {@link TimerWheel#poll} (a driver's batch), leaving the rest in the
         * wheel: each is due, pending, returned once, and they come in deadline order, also across batches of the
         * same catch-up ({@code lastPolled}).
         */
        List<TimerEntry> pollSome(long now, int k) {
            List<TimerEntry> got = new ArrayList<>();
            for (int i = 0; i < k; i++) {
                TimerEntry e = wheel.poll(now);
                if (e == null) {
                    assertThat(pending.values().stream().anyMatch(d -> d <= now))
                            .as("%s: poll(%d) returned null with a due entry left", seed, now).isFalse();
                    assertThat(wheel.elapsed()).isEqualTo(Math.max(now, wheel.elapsed()));
                    lastPolled = Long.MIN_VALUE;
                    break;
                }
                Long d = pending.remove(e);
                assertThat(d).as("%s: poll returned an entry that was not pending (or twice)", seed).isNotNull();
                assertThat(d).as("%s: polled early", seed).isLessThanOrEqualTo(now);
                assertThat(d).as("%s: polled out of deadline order", seed).isGreaterThanOrEqualTo(lastPolled);
                assertThat(e.inWheel).isFalse();
                lastPolled = d;
                got.add(e);
            }
            assertThat(wheel.size()).as(seed).isEqualTo(pending.size());
            if (!got.isEmpty() || !pending.isEmpty()) {
                long min = minDeadline();
                assertThat(wheel.nextExpiration()).as("%s: nextExpiration after the earliest deadline", seed)
                        .isLessThanOrEqualTo(min);
            }
            return got;
        }

        long lastPolled = Long.MIN_VALUE;
        long pollNow;

        void checkShape() {
            assertThat(wheel.size()).as(seed).isEqualTo(pending.size());
            long next = wheel.nextExpiration();
            if (pending.isEmpty()) {
                assertThat(next).as(seed).isEqualTo(Long.MAX_VALUE);
            } else {
                long min = pending.values().stream().mapToLong(Long::longValue).min().orElseThrow();
                assertThat(next).as("%s: nextExpiration after the earliest deadline", seed).isLessThanOrEqualTo(min);
                assertThat(next).as("%s: nextExpiration not after elapsed", seed).isGreaterThan(wheel.elapsed());
            }
        }

        long minDeadline() {
            return pending.values().stream().mapToLong(Long::longValue).min().orElse(Long.MAX_VALUE);
        }
    }

    /**
     * Largest delay that can never land in the top level's current slot for its next rotation (see
     * {@link #topLevelNextRotationSlotHidesEarlierTopLevelSlots()}): the top-level slot of
     * {@code elapsed + delay} differs from elapsed's by at most 63 here.
     */
    private static final long BELOW_NEXT_ROTATION = (63L << 30) - 1;

    /** A delay drawn across every level, with extra weight on boundaries; results above maxDelay are cut. */
    private static long randomDelay(SplittableRandom rnd, long maxDelay) {
        long d = randomDelay(rnd);
        return d > maxDelay ? 1 + rnd.nextLong(maxDelay) : d;
    }

    private static long randomDelay(SplittableRandom rnd) {
        switch (rnd.nextInt(10)) {
            case 0:
                return rnd.nextLong(0, 3); // 0: already expired
            case 1: {
                long[] edges = {63, 64, 65, 4095, 4096, 4097, (1L << 18) - 1, 1L << 18, (1L << 24) - 1, 1L << 24,
                        (1L << 24) + 1, (1L << 30) - 1, 1L << 30, MAX - 1, MAX, MAX + 1};
                return edges[rnd.nextInt(edges.length)];
            }
            case 2:
                return rnd.nextLong(MAX + 1, 4 * MAX); // clamped to the top level's range
            default: {
                int bits = 1 + rnd.nextInt(36); // log-uniform over the levels
                return 1 + rnd.nextLong(1L << bits);
            }
        }
    }

    private static long randomStep(SplittableRandom rnd, Checked c) {
        long elapsed = c.wheel.elapsed();
        switch (rnd.nextInt(10)) {
            case 0:
                return 0;
            case 1:
                return 1;
            case 2:
                return rnd.nextLong(1, 70);
            case 3: { // exactly onto, just before or just after the earliest deadline
                long min = c.minDeadline();
                if (min == Long.MAX_VALUE) {
                    return 1;
                }
                return Math.max(0, min - elapsed + rnd.nextInt(3) - 1);
            }
            case 4: { // onto the wheel's next expiration
                long next = c.wheel.nextExpiration();
                return next == Long.MAX_VALUE ? 1 : next - elapsed;
            }
            case 5:
                return rnd.nextLong(1, 5000);
            case 6:
                return 1L << (10 + rnd.nextInt(28)); // huge: up to 2^37, past the top level
            default:
                return 1 + rnd.nextLong(1L << (1 + rnd.nextInt(32)));
        }
    }

    /** Delays up to 63 * 2^30 ticks (~778 days): every level, every boundary, no top-level wrap. */
    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 42, 1234, 99991, 271828, 314159})
    void matchesReferenceModel(long seed) {
        runAgainstModel(seed, BELOW_NEXT_ROTATION);
    }

    /**
     * Delays over the whole range, including clamped ones (past {@code MAX_DURATION}). Failed on every seed
     * before the fix for {@link #topLevelNextRotationSlotHidesEarlierTopLevelSlots()}.
     */
    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 42, 1234, 99991, 271828, 314159})
    void matchesReferenceModelWithTopLevelWrap(long seed) {
        runAgainstModel(seed, Long.MAX_VALUE);
    }

    private static void runAgainstModel(long seed, long maxDelay) {
        SplittableRandom rnd = new SplittableRandom(seed);
        Checked c = new Checked("seed " + seed);
        // Some runs start far from zero, so indices cross high-order boundaries (2^36 and beyond).
        if (seed % 2 == 0) {
            c.advance((1L << 36) - 5_000 + rnd.nextLong(10_000));
        }
        List<TimerEntry> idle = new ArrayList<>(); // fired or removed entries, re-used for inserts
        for (int op = 0; op < 6_000; op++) {
            int kind = rnd.nextInt(10);
            if (kind < 5) {
                TimerEntry e = !idle.isEmpty() && rnd.nextBoolean() ? idle.remove(idle.size() - 1) : new TimerEntry(null);
                if (!c.insert(e, c.wheel.elapsed() + randomDelay(rnd, maxDelay))) {
                    idle.add(e);
                }
            } else if (kind < 7) {
                if (!c.pending.isEmpty()) {
                    TimerEntry e = c.pending.keySet().iterator().next();
                    if (rnd.nextInt(4) == 0) {
                        // pick a random one rather than the map's first
                        int skip = rnd.nextInt(c.pending.size());
                        for (TimerEntry x : c.pending.keySet()) {
                            if (skip-- == 0) {
                                e = x;
                                break;
                            }
                        }
                    }
                    c.remove(e);
                    idle.add(e);
                } else if (!idle.isEmpty()) {
                    c.remove(idle.get(0)); // removing an entry not in the wheel is a no-op
                }
            } else if (kind < 9) {
                idle.addAll(c.advance(c.wheel.elapsed() + randomStep(rnd, c)));
            } else {
                // A driver's batch: poll a few due entries and stop, with the rest of the slot left pending; the
                // next operations insert, remove (possibly a pending entry) or poll/advance again. The deadline
                // of a partial catch-up is kept, as a driver keeps its "now" between batches.
                if (c.lastPolled == Long.MIN_VALUE) {
                    c.pollNow = c.wheel.elapsed() + randomStep(rnd, c);
                }
                idle.addAll(c.pollSome(c.pollNow, 1 + rnd.nextInt(8)));
            }
        }
        // Finally everything fires.
        c.advance(c.wheel.elapsed() + MAX + 1);
        assertThat(c.pending).isEmpty();
        assertThat(c.wheel.size()).isZero();
    }

    // ---- focused ------------------------------------------------------------------------------------

    /**
     * Bug reproducer. A is ~12.4 days out in top-level slot 1 of the current rotation. B (the maximum
     * duration, ~795 days; any clamped "forever" deadline behaves the same) lands in top-level slot 0, which
     * is also the slot of {@code elapsed}: it belongs to the next rotation. {@code nextExpiration(5)} finds
     * slot 0 first (rotation by the now-slot puts it at position 0), sees that its start is before
     * {@code elapsed}, adds a rotation, and returns 2^36 for the level, never looking at slot 1. So
     * {@code nextExpiration()} says 2^36 and {@code advance(A's deadline)} fires nothing: A fires ~2.2 years
     * late. (Regression test: fixed by taking the minimum over all occupied top-level slots.)
     */
    @Test
    void topLevelNextRotationSlotHidesEarlierTopLevelSlots() {
        Checked c = new Checked("top-level wrap");
        TimerEntry a = new TimerEntry(null);
        c.insert(a, (1L << 30) + 5);
        assertThat(a.level).isEqualTo(5);
        c.advance(1000);
        TimerEntry b = new TimerEntry(null);
        c.insert(b, 1000 + MAX);
        assertThat(b.level).isEqualTo(5);
        assertThat(b.slot).isZero(); // the now-slot of the top level, next rotation
        assertThat(c.wheel.nextExpiration()).isLessThanOrEqualTo((1L << 30) + 5); // was 2^36
        assertThat(c.advance((1L << 30) + 5)).containsExactly(a);                  // fired nothing
    }

    @Test
    void levelBoundariesFromZero() {
        long[][] expect = {
                {1, 0}, {63, 0}, {64, 1}, {4095, 1}, {4096, 2}, {(1L << 18) - 1, 2}, {1L << 18, 3},
                {(1L << 24) - 1, 3}, {1L << 24, 4}, {(1L << 30) - 1, 4}, {1L << 30, 5}, {MAX, 5}};
        for (long[] ex : expect) {
            TimerWheel w = new TimerWheel();
            TimerEntry e = new TimerEntry(null);
            assertThat(w.insert(e, ex[0])).isTrue();
            assertThat(e.level).as("level of deadline %d", ex[0]).isEqualTo((int) ex[1]);
        }
    }

    @ParameterizedTest(name = "from elapsed {0}")
    @ValueSource(longs = {0, 1, 1000, 4095, 4096, 123_456_789, (1L << 36) - 3, (1L << 36) + 77})
    void firesExactlyAtBoundaryDeadlines(long start) {
        long[] deltas = {1, 2, 63, 64, 65, 127, 128, 4095, 4096, 4097, (1L << 18) - 1, 1L << 18, (1L << 18) + 1,
                (1L << 24) - 1, 1L << 24, (1L << 24) + 1, (1L << 30) - 1, 1L << 30, (1L << 30) + 1, MAX - 1, MAX};
        for (long delta : deltas) {
            Checked c = new Checked("start " + start + " delta " + delta);
            c.advance(start);
            TimerEntry e = new TimerEntry(null);
            c.insert(e, start + delta);
            // Walk there the way a driver does: jump to each next expiration, then the tick before and at.
            for (int guard = 0; guard < 100; guard++) {
                long next = c.wheel.nextExpiration();
                if (next >= start + delta - 1) {
                    break;
                }
                assertThat(c.advance(next)).as("fired early at %d", next).isEmpty();
            }
            assertThat(c.advance(start + delta - 1)).isEmpty();
            assertThat(c.advance(start + delta)).containsExactly(e);
        }
    }

    @Test
    void cascadesThroughEveryLevelAndFiresOnTime() {
        // Deadline with a non-zero digit on every level: 1*64^5 + 2*64^4 + 3*64^3 + 4*64^2 + 5*64 + 6.
        long deadline = (1L << 30) + (2L << 24) + (3L << 18) + (4L << 12) + (5L << 6) + 6;
        Checked c = new Checked("cascade");
        TimerEntry e = new TimerEntry(null);
        c.insert(e, deadline);
        assertThat(e.level).isEqualTo(5);
        long[] slotStarts = {1L << 30, (1L << 30) + (2L << 24), (1L << 30) + (2L << 24) + (3L << 18),
                (1L << 30) + (2L << 24) + (3L << 18) + (4L << 12),
                (1L << 30) + (2L << 24) + (3L << 18) + (4L << 12) + (5L << 6)};
        for (int i = 0; i < slotStarts.length; i++) {
            assertThat(c.wheel.nextExpiration()).isEqualTo(slotStarts[i]);
            assertThat(c.advance(slotStarts[i] - 1)).isEmpty();
            assertThat(e.level).isEqualTo(5 - i);
            assertThat(c.advance(slotStarts[i])).isEmpty();
            assertThat(e.level).as("after cascading at %d", slotStarts[i]).isEqualTo(4 - i);
        }
        assertThat(c.wheel.nextExpiration()).isEqualTo(deadline);
        assertThat(c.advance(deadline - 1)).isEmpty();
        assertThat(c.advance(deadline)).containsExactly(e);
    }

    @Test
    void manyEntriesInOneHighSlotFireInOrderTickByTick() {
        SplittableRandom rnd = new SplittableRandom(7);
        Checked c = new Checked("one slot");
        List<TimerEntry> entries = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            TimerEntry e = new TimerEntry(null);
            c.insert(e, 4096 + rnd.nextLong(4096)); // all in level-2 slot 1
            entries.add(e);
        }
        for (long now = 1; now < 8192 + 1; now++) {
            for (TimerEntry e : c.advance(now)) {
                assertThat(e.deadline).isEqualTo(now);
            }
        }
        assertThat(c.pending).isEmpty();
    }

    @Test
    void clampsDeadlinesPastTheTopLevel() {
        Checked c = new Checked("clamp");
        c.advance(12_345);
        TimerEntry e = new TimerEntry(null);
        c.insert(e, 12_345 + 10 * MAX);
        assertThat(e.deadline).isEqualTo(12_345 + MAX);
        assertThat(c.advance(12_345 + MAX - 1)).isEmpty();
        assertThat(c.advance(12_345 + MAX)).containsExactly(e);
    }

    @Test
    void hugeAdvanceFiresEverythingOnce() {
        Checked c = new Checked("huge");
        SplittableRandom rnd = new SplittableRandom(11);
        for (int i = 0; i < 2_000; i++) {
            c.insert(new TimerEntry(null), 1 + rnd.nextLong(MAX));
        }
        assertThat(c.advance(Long.MAX_VALUE / 4)).hasSize(2_000);
    }
}
