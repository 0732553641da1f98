package dev.spindle;

import java.util.ArrayList;
import java.util.List;

/**
 * A test future that is {@code Pending} until the test completes or fails it, and records how it was used:
 * polls, cancels, and any breach of the poll contract by its owner (poll after Ready/throw/cancel, cancel
 * after Ready/throw, a second cancel). Wakes the last registered waker on {@link #complete}/{@link #fail}.
 * {@link #complete}, {@link #fail} and {@link #wake()} may be called from another thread while it is polled;
 * the counters are for the polling thread.
 */
final class ControllableFuture<T> implements Future<T> {
    private final String name;
    private volatile boolean hasValue; // written after value: a thread that sees it true sees the value
    private T value;
    private volatile RuntimeException failure;
    private volatile Waker waker;
    private int polls;
    private int cancels;
    private boolean finished;
    private int budgetPerPoll;
    private final List<String> violations = new ArrayList<>();

    ControllableFuture(String name) {
        this.name = name;
    }

    static <T> ControllableFuture<T> named(String name) {
        return new ControllableFuture<>(name);
    }

    /** A future that is ready with {@code value} on its first poll. */
    static <T> ControllableFuture<T> readyWith(String name, T value) {
        ControllableFuture<T> f = new ControllableFuture<>(name);
        f.hasValue = true;
        f.value = value;
        return f;
    }

    /** Makes each poll take {@code units} of the task's budget, as a resource operation would. */
    ControllableFuture<T> spendingBudget(int units) {
        this.budgetPerPoll = units;
        return this;
    }

    @Override
    public Poll<T> poll(Context cx) {
        polls++;
        if (finished) {
            violations.add(name + " polled after it finished");
        }
        if (cancels > 0) {
            violations.add(name + " polled after cancel");
        }
        for (int i = 0; i < budgetPerPoll; i++) {
            if (!cx.consumeBudget()) {
                return Poll.pending(); // consumeBudget woke the waker
            }
        }
        waker = cx.waker(); // before checking for completion, so a concurrent complete() cannot be missed
        if (failure != null) {
            finished = true;
            throw failure;
        }
        if (hasValue) {
            finished = true;
            return Poll.ready(value);
        }
        return Poll.pending();
    }

    @Override
    public void cancel() {
        if (finished) {
            violations.add(name + " cancelled after it finished");
        }
        cancels++;
        if (cancels > 1) {
            violations.add(name + " cancelled " + cancels + " times");
        }
    }

    /** Completes with {@code v} and wakes the last waker. */
    void complete(T v) {
        value = v;
        hasValue = true;
        wake();
    }

    /** Makes the next poll throw {@code e}, and wakes the last waker. */
    void fail(RuntimeException e) {
        failure = e;
        wake();
    }

    /** Wakes the last registered waker (without progress, unless complete/fail was called). */
    void wake() {
        Waker w = waker;
        if (w != null) {
            w.wake();
        }
    }

    Waker lastWaker() {
        return waker;
    }

    int polls() {
        return polls;
    }

    int cancels() {
        return cancels;
    }

    List<String> violations() {
        return violations;
    }

    @Override
    public String toString() {
        return name;
    }
}
