package dev.spindle.internal.util;

/**
 * A doubly-linked list whose elements are their own nodes: an element extends {@link Node}, so linking it in or
 * out allocates nothing. The runtime's waiter lists are all this one type: the waiting {@code Notify.Notified}
 * futures, the senders waiting for a slot of a bounded mpsc channel, the runtime's tasks waiting for a wake
 * ({@code OwnedTasks}), and the entries of each slot of the timer wheel.
 *
 * <h2>Why intrusive</h2>
 * A waiter must be able to leave the middle of its list in O(1) when it is cancelled, and joining a list sits on
 * hot paths (every task that waits, every timer that is set). With the links inside the element there is no
 * node to allocate or find: the element is the node. This is the same design as Tokio's
 * {@code util::linked_list}, where the element type provides its own pointers.
 *
 * <h2>Invariants</h2>
 * <ul>
 *   <li>An element is in at most one list at a time. While it is in none, both its links are null.</li>
 *   <li>{@code head.prev} and {@code tail.next} are null; the list is empty iff {@code head} is null iff
 *       {@code tail} is null.</li>
 *   <li>An element that is in this list or in none is in this list iff its {@code prev} is non-null or it
 *       is the {@code head} ({@link #contains}).</li>
 * </ul>
 *
 * <h2>Who may touch it</h2>
 * Not thread-safe, and it has no lock of its own: every list, and the links of every element in it, belongs to
 * exactly one guard, named at the field that holds the list. {@code Notify}: its {@code ReentrantLock}. The
 * bounded mpsc channel: its {@code ReentrantLock}. {@code OwnedTasks}: the monitor of the list's shard. A timer
 * wheel's slots: the lock of the timer driver shard that owns the wheel. The links are plain fields: the guard's
 * lock and unlock order every access to them, so elements may be linked on one thread and unlinked on another.
 *
 * @param <T> the element type
 */
public final class IntrusiveList<T extends IntrusiveList.Node> {

    /**
     * The links an element carries. Extend it to be an element of an {@link IntrusiveList}. The links are
     * package-private (no other class of this package touches them; private would hide them from the list, which
     * reaches them through its type variable), so the only way to change them is through a list, under that
     * list's guard.
     */
    public abstract static class Node {
        /** Plain; guarded by the guard of the list the node is in (see the list's class comment). */
        Node prev;
        Node next;

        /** For subclasses: an element starts in no list. */
        protected Node() {
        }
    }

    private Node head;
    private Node tail;

    /** An empty list. */
    public IntrusiveList() {
    }

    /** Whether the list has no element. */
    public boolean isEmpty() {
        return head == null;
    }

    /** The first element, or null if the list is empty. */
    @SuppressWarnings("unchecked")
    public T first() {
        return (T) head;
    }

    /** The element after {@code node} (which is in this list), or null if it is the last one. */
    @SuppressWarnings("unchecked")
    public T next(T node) {
        return (T) node.next;
    }

    /**
     * Whether {@code node}, which is in this list or in none, is in this list. (A node in another list may look
     * as if it were here: the answer reads only the node's own links and this list's head.)
     */
    public boolean contains(T node) {
        return node.prev != null || head == node;
    }

    /** Links {@code node}, which is in no list, at the front. */
    public void addFirst(T node) {
        node.prev = null;
        node.next = head;
        if (head == null) {
            tail = node;
        } else {
            head.prev = node;
        }
        head = node;
    }

    /** Links {@code node}, which is in no list, at the back. */
    public void addLast(T node) {
        node.next = null;
        node.prev = tail;
        if (tail == null) {
            head = node;
        } else {
            tail.next = node;
        }
        tail = node;
    }

    /** Unlinks {@code node}, which is in this list, and clears its links. */
    public void remove(T node) {
        Node p = node.prev;
        Node n = node.next;
        if (p == null) {
            head = n;
        } else {
            p.next = n;
        }
        if (n == null) {
            tail = p;
        } else {
            n.prev = p;
        }
        node.prev = null;
        node.next = null;
    }

    /** Unlinks and returns the first element, or returns null if the list is empty. */
    @SuppressWarnings("unchecked")
    public T removeFirst() {
        Node h = head;
        if (h == null) {
            return null;
        }
        Node n = h.next;
        head = n;
        if (n == null) {
            tail = null;
        } else {
            n.prev = null;
            h.next = null;
        }
        return (T) h;
    }

    /**
     * Moves every element of {@code other} to the back of this list, in order, and leaves {@code other} empty.
     * O(1): the elements themselves are not touched, except the one where the two chains meet.
     */
    public void takeAll(IntrusiveList<T> other) {
        Node h = other.head;
        if (h == null) {
            return;
        }
        if (tail == null) {
            head = h;
        } else {
            tail.next = h;
            h.prev = tail;
        }
        tail = other.tail;
        other.head = null;
        other.tail = null;
    }
}
