package dev.spindle;

/**
 * The result of one {@link Future#poll(Context)}: either {@link Ready} with the value, or {@link Pending}.
 *
 * <p>{@code Poll} is sealed so that a {@code switch} over it is exhaustive:
 * <pre>{@code
 * switch (future.poll(cx)) {
 *     case Poll.Ready<String>(var value) -> use(value);
 *     case Poll.Pending<String> p -> { return Poll.pending(); }
 * }
 * }</pre>
 *
 * <p>{@link Pending} is a singleton ({@link #pending()}), so returning it never allocates. A {@code Ready}
 * may carry {@code null} (for {@code Future<Void>}).
 */
public sealed interface Poll<T> permits Poll.Ready, Poll.Pending {

    /** Whether this is {@link Ready}. */
    boolean isReady();

    /** Whether this is {@link Pending}. */
    default boolean isPending() {
        return !isReady();
    }

    /**
     * The value of a {@link Ready}.
     *
     * @throws IllegalStateException on {@link Pending}: check {@link #isReady()} or switch over the type
     */
    T value();

    /** A ready result holding {@code value} (which may be {@code null}). */
    static <T> Poll<T> ready(T value) {
        return new Ready<>(value);
    }

    /**
     * A ready byte count (a read's or write's result, -1 for end of stream). Counts up to 16 KiB come from a
     * shared table, so I/O in steady state does not allocate a result per call.
     */
    static Poll<Integer> readyCount(int n) {
        return ReadyCounts.of(n);
    }

    /** A ready byte count as a {@code long} (gathering writes); shared like {@link #readyCount(int)}. */
    static Poll<Long> readyCount(long n) {
        return ReadyCounts.of(n);
    }

    /** The ready result of a {@code Future<Void>}; shared, so it does not allocate. */
    @SuppressWarnings("unchecked")
    static <T> Poll<T> readyNull() {
        return (Poll<T>) Ready.NULL;
    }

    /** The pending result; a shared singleton. */
    @SuppressWarnings("unchecked")
    static <T> Poll<T> pending() {
        return (Poll<T>) Pending.INSTANCE;
    }

    /** The future finished with {@code value}; it must not be polled again. */
    record Ready<T>(T value) implements Poll<T> {
        static final Ready<Object> NULL = new Ready<>(null);

        @Override
        public boolean isReady() {
            return true;
        }
    }

    /**
     * The future cannot make progress now and has registered the {@link Context}'s waker with whatever it
     * waits for. There is exactly one instance.
     */
    final class Pending<T> implements Poll<T> {
        static final Pending<Object> INSTANCE = new Pending<>();

        private Pending() {
        }

        @Override
        public boolean isReady() {
            return false;
        }

        @Override
        public T value() {
            throw new IllegalStateException("Poll.Pending has no value: check isReady() or switch over Poll first");
        }

        @Override
        public String toString() {
            return "Pending";
        }
    }
}
