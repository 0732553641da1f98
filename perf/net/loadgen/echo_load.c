/*
 * echo_load: the native closed-loop echo load generator of perf/net/run.sh, a C twin of
 * dev.spindle.perf.net.EchoLoadGenerator with the same options, window and output, at a fraction of its CPU per
 * request (the client shares the two cores of the benchmark machine with the server it measures).
 *
 *   echo_load --port P [--host 127.0.0.1] [--connections 64] [--size 64]
 *             [--duration 10] [--warmup 3] [--threads 1] [--connect-batch 32]
 *
 * Only 127.0.0.1 is accepted as --host: this client loads servers on its own machine, nothing else.
 *
 * Connections are opened before the clock starts, in batches of --connect-batch (32: below the JDK's default
 * backlog of 50), each connection finishing a one-byte echo ('p') before the next batch starts, so 1,000
 * connections never overflow the server's backlog; a batch has 10 s, and all of the opening 60 s. Then each
 * connection, in a closed loop, sends one message of --size bytes, waits until all of them have come back,
 * checks every byte (byte 0 is a per-message tag, the rest a fixed pattern, as in the Java client), records the
 * round trip, and sends the next. Warm-up (--warmup s, not recorded), then the measured window (--duration s),
 * with "WINDOW start" / "WINDOW end" on stdout at its edges; requests that complete inside the window count.
 * Then one line:
 *
 *   RESULT conns=64 size=64 threads=1 duration_s=10.000 requests=... rps=... p50_us=... p90_us=... p99_us=...
 *          p999_us=... max_us=... errors=... client_cpu_pct=...
 *
 * errors counts connections that failed to open and connections dropped during the run (an echo that differs
 * from what was sent, a reset, an EOF from the server); the first reason of each kind goes to stderr.
 * client_cpu_pct is this process's utime + stime (getrusage) over the window, in % of one core.
 *
 * One thread by default (epoll, non-blocking sockets, level-triggered, nothing allocated in the loop);
 * --threads N spreads the connections over N threads, each with its own epoll set and histogram. Latencies go
 * into a log-linear histogram with 2,048 sub-buckets per power of two (~0.1 %, as HdrHistogram with 3 digits).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define NS_PER_S 1000000000LL
#define MAX_LATENCY_NS (60 * NS_PER_S)
#define BATCH_TIMEOUT_NS (10 * NS_PER_S)
#define OPEN_TIMEOUT_NS (60 * NS_PER_S)
#define MAX_EVENTS 256

static const char *USAGE =
    "usage: echo_load --port P [--host 127.0.0.1] [--connections 64] [--size 64]\n"
    "                 [--duration 10] [--warmup 3] [--threads 1] [--connect-batch 32]\n"
    "  durations in seconds; --threads 1 leaves the other core of a 2-core machine to the server;\n"
    "  only 127.0.0.1 is accepted as --host";

/* ---- time ---- */

static int64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * NS_PER_S + ts.tv_nsec;
}

static int64_t tv_ns(struct timeval tv) {
    return (int64_t)tv.tv_sec * NS_PER_S + (int64_t)tv.tv_usec * 1000;
}

/* This process's CPU time so far, user + system, and the system part in *sys. */
static int64_t cpu_ns(int64_t *sys) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    *sys = tv_ns(ru.ru_stime);
    return tv_ns(ru.ru_utime) + *sys;
}

/* ---- histogram: values in ns; below 2,048 exact, above that 1,024 linear sub-buckets per power of two ---- */

#define SUB_BITS 10
#define MAX_SHIFT (35 - SUB_BITS) /* 2^35 ns = 34 s <= MAX_LATENCY_NS < 2^36 ns */
#define HIST_LEN ((MAX_SHIFT + 2) << SUB_BITS)

typedef struct {
    uint64_t counts[HIST_LEN];
    uint64_t total;
    uint64_t max; /* reported, as by HdrHistogram, as the highest value of its bucket, so that max >= p99.9 */
} histogram;

static int hist_index(uint64_t v) {
    int msb = 63 - __builtin_clzll(v | ((1ULL << (SUB_BITS + 1)) - 1));
    int shift = msb - SUB_BITS;
    return (shift << SUB_BITS) + (int)(v >> shift);
}

/* The highest value that falls in the bucket at index i (HdrHistogram's highestEquivalentValue). */
static uint64_t hist_highest(int i) {
    int shift = (i >> SUB_BITS) - 1;
    if (shift < 0) {
        shift = 0;
    }
    uint64_t sub = (uint64_t)(i - (shift << SUB_BITS));
    return ((sub + 1) << shift) - 1;
}

static void hist_record(histogram *h, int64_t ns) {
    uint64_t v = ns < 0 ? 0 : (uint64_t)(ns > MAX_LATENCY_NS ? MAX_LATENCY_NS : ns);
    h->counts[hist_index(v)]++;
    h->total++;
    if (v > h->max) {
        h->max = v;
    }
}

static void hist_add(histogram *to, const histogram *from) {
    for (int i = 0; i < HIST_LEN; i++) {
        to->counts[i] += from->counts[i];
    }
    to->total += from->total;
    if (from->max > to->max) {
        to->max = from->max;
    }
}

/*
 * As HdrHistogram's getValueAtPercentile: the highest value of the first bucket where the count reaches
 * ceil(p % of the total), p taken one ulp down so that 99.9 % of 1,000 is 999, not 1,000 by rounding error.
 */
static double hist_percentile_us(const histogram *h, double percentile) {
    if (h->total == 0) {
        return 0;
    }
    uint64_t want = (uint64_t)ceil(nextafter(percentile, 0) / 100.0 * (double)h->total);
    if (want < 1) {
        want = 1;
    }
    uint64_t seen = 0;
    for (int i = 0; i < HIST_LEN; i++) {
        seen += h->counts[i];
        if (seen >= want) {
            return hist_highest(i) / 1e3;
        }
    }
    return h->max / 1e3;
}

/* ---- connections and load threads ---- */

typedef struct worker worker;

typedef struct {
    int fd;
    int alive;
    int want_out; /* EPOLLOUT is in the interest set */
    uint8_t tag;
    size_t sent, got;
    int64_t sent_at;
    uint8_t *out, *in;
    worker *w;
} conn;

struct worker {
    int index;
    int epfd;
    conn **conns;
    int count;
    size_t size;
    int64_t window_start, window_end;
    histogram *hist;
    uint64_t requests;
    uint64_t errors;
    char first_error[256];
    /* Thread 0 only: the CPU and wall clock sampled at the window's edges. */
    int64_t cpu_start, cpu_end, sys_start, sys_end, wall_start, wall_end;
};

static void worker_error(worker *w, const char *fmt, ...) {
    w->errors++;
    if (w->first_error[0] == 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(w->first_error, sizeof w->first_error, fmt, ap);
        va_end(ap);
    }
}

static void drop(conn *c, const char *fmt, ...) {
    char why[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    close(c->fd);
    c->fd = -1;
    c->alive = 0;
    worker_error(c->w, "%s", why);
}

static void set_interest(conn *c, int want_out) {
    struct epoll_event ev = {.events = EPOLLIN | (want_out ? EPOLLOUT : 0), .data.ptr = c};
    if (epoll_ctl(c->w->epfd, EPOLL_CTL_MOD, c->fd, &ev) != 0) {
        drop(c, "epoll_ctl: %s", strerror(errno));
        return;
    }
    c->want_out = want_out;
}

/* Writes what is left of the message; 0 if the connection was dropped. */
static int flush_out(conn *c) {
    size_t size = c->w->size;
    while (c->sent < size) {
        ssize_t n = send(c->fd, c->out + c->sent, size - c->sent, MSG_NOSIGNAL);
        if (n > 0) {
            c->sent += (size_t)n;
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            if (!c->want_out) {
                set_interest(c, 1);
            }
            return c->alive;
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else {
            drop(c, "send failed: %s", n < 0 ? strerror(errno) : "wrote nothing");
            return 0;
        }
    }
    if (c->want_out) {
        set_interest(c, 0);
    }
    return c->alive;
}

static void send_next(conn *c, int64_t now) {
    c->tag++;
    c->out[0] = c->tag;
    c->sent = 0;
    c->got = 0;
    c->sent_at = now;
    flush_out(c);
}

/* The message came back whole: checks every byte, records it if it completed inside the window, sends the next. */
static void completed(conn *c) {
    worker *w = c->w;
    int64_t now = now_ns();
    if (c->sent < w->size) {
        drop(c, "the server answered %zu bytes while only %zu of the message were sent", w->size, c->sent);
        return;
    }
    if (memcmp(c->in, c->out, w->size) != 0) {
        size_t i = 0;
        while (c->in[i] == c->out[i]) {
            i++;
        }
        drop(c, "echo differs from the message sent at byte %zu of %zu (got 0x%02x, expected 0x%02x)", i,
            w->size, c->in[i], c->out[i]);
        return;
    }
    if (now >= w->window_start && now < w->window_end) {
        hist_record(w->hist, now - c->sent_at);
        w->requests++;
    }
    send_next(c, now);
}

static void on_ready(conn *c, uint32_t events) {
    if (!c->alive) {
        return; /* dropped earlier in this batch of events */
    }
    if ((events & EPOLLOUT) && c->sent < c->w->size && !flush_out(c)) {
        return;
    }
    if (!(events & (EPOLLIN | EPOLLHUP | EPOLLERR | EPOLLRDHUP))) {
        return;
    }
    size_t size = c->w->size;
    for (;;) {
        ssize_t n = recv(c->fd, c->in + c->got, size - c->got, 0);
        if (n > 0) {
            c->got += (size_t)n;
            if (c->got == size) {
                completed(c);
                return; /* level-triggered: anything further is reported again */
            }
        } else if (n == 0) {
            drop(c, "closed by the server (EOF) after %zu of the %zu bytes of an echo", c->got, size);
            return;
        } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
            return;
        } else if (errno != EINTR) {
            drop(c, "recv failed: %s", strerror(errno));
            return;
        }
    }
}

static void *worker_run(void *arg) {
    worker *w = arg;
    struct epoll_event events[MAX_EVENTS];
    int64_t now = now_ns();
    int started = w->index != 0;
    for (int i = 0; i < w->count; i++) {
        send_next(w->conns[i], now);
    }
    for (;;) {
        now = now_ns();
        if (!started && now >= w->window_start) {
            w->cpu_start = cpu_ns(&w->sys_start);
            w->wall_start = now_ns();
            fputs("WINDOW start\n", stdout);
            fflush(stdout);
            started = 1;
        }
        if (now >= w->window_end) {
            break;
        }
        /* Wake at the next edge, and at least every 50 ms, whatever the connections do. */
        int64_t left = (started ? w->window_end : w->window_start) - now;
        int timeout_ms = (int)((left + 999999) / 1000000);
        timeout_ms = timeout_ms < 1 ? 1 : timeout_ms > 50 ? 50 : timeout_ms;
        int n = epoll_wait(w->epfd, events, MAX_EVENTS, timeout_ms);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            worker_error(w, "epoll_wait failed: %s", strerror(errno));
            break;
        }
        for (int i = 0; i < n; i++) {
            on_ready(events[i].data.ptr, events[i].events);
        }
    }
    if (w->index == 0) {
        if (!started) { /* only if epoll_wait failed before the window */
            w->cpu_start = cpu_ns(&w->sys_start);
            w->wall_start = now_ns();
            fputs("WINDOW start\n", stdout);
            fflush(stdout);
        }
        /* Wait out the window even if the loop ended early, so the edges the script sees are the real ones. */
        while ((now = now_ns()) < w->window_end) {
            struct timespec ts = {.tv_sec = 0, .tv_nsec = (long)(w->window_end - now)};
            if (ts.tv_nsec > 50000000) {
                ts.tv_nsec = 50000000;
            }
            nanosleep(&ts, NULL);
        }
        w->cpu_end = cpu_ns(&w->sys_end);
        w->wall_end = now_ns();
        fputs("WINDOW end\n", stdout);
        fflush(stdout);
    }
    return NULL;
}

/* ---- opening: batches, each connection finishing a one-byte echo ---- */

enum { OPEN_CONNECTING, OPEN_SENDING, OPEN_RECEIVING, OPEN_DONE, OPEN_FAILED };

typedef struct {
    int fd;
    int state;
    char failure[160];
} pending;

static void pending_fail(pending *p, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->failure, sizeof p->failure, fmt, ap);
    va_end(ap);
    p->state = OPEN_FAILED;
}

/* Goes as far as the connection can now; returns the epoll events it waits for, 0 when done or failed. */
static uint32_t pending_step(pending *p) {
    if (p->state == OPEN_CONNECTING) {
        int err = 0;
        socklen_t len = sizeof err;
        if (getsockopt(p->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) {
            err = errno;
        }
        if (err == EINPROGRESS || err == EALREADY) {
            return EPOLLOUT;
        }
        if (err != 0) {
            pending_fail(p, "connect failed: %s", strerror(err));
            return 0;
        }
        p->state = OPEN_SENDING;
    }
    if (p->state == OPEN_SENDING) {
        ssize_t n = send(p->fd, "p", 1, MSG_NOSIGNAL);
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
            return EPOLLOUT;
        }
        if (n != 1) {
            pending_fail(p, "probe send failed: %s", n < 0 ? strerror(errno) : "wrote nothing");
            return 0;
        }
        p->state = OPEN_RECEIVING;
    }
    if (p->state == OPEN_RECEIVING) {
        char b;
        ssize_t n = recv(p->fd, &b, 1, 0);
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
            return EPOLLIN;
        }
        if (n == 0) {
            pending_fail(p, "closed by the server before answering the probe");
        } else if (n < 0) {
            pending_fail(p, "probe recv failed: %s", strerror(errno));
        } else if (b != 'p') {
            pending_fail(p, "unexpected probe answer: 0x%02x", (unsigned char)b);
        } else {
            p->state = OPEN_DONE;
        }
    }
    return 0;
}

/* Opens up to count connections into fds; returns how many opened, with the failures and the first reason. */
static int open_connections(const struct sockaddr_in *addr, int count, int batch, int *fds, int *failures,
    char *first_failure, size_t first_len) {
    int opened = 0;
    int epfd = epoll_create1(EPOLL_CLOEXEC);
    pending *ps = calloc((size_t)batch, sizeof *ps);
    if (epfd < 0 || ps == NULL) {
        fprintf(stderr, "echo_load: cannot set up the connector: %s\n", strerror(errno));
        exit(1);
    }
    struct epoll_event events[MAX_EVENTS];
    int64_t open_deadline = now_ns() + OPEN_TIMEOUT_NS;
    *failures = 0;
    first_failure[0] = 0;
#define NOTE_FAILURE(...)                                                                                     \
    do {                                                                                                      \
        (*failures)++;                                                                                        \
        if (first_failure[0] == 0) {                                                                          \
            snprintf(first_failure, first_len, __VA_ARGS__);                                                  \
        }                                                                                                     \
    } while (0)
    while (opened + *failures < count) {
        if (now_ns() >= open_deadline) {
            int rest = count - opened - *failures;
            NOTE_FAILURE("not all connections opened within %lld s", OPEN_TIMEOUT_NS / NS_PER_S);
            *failures += rest - 1;
            break;
        }
        int n = count - opened - *failures;
        n = n < batch ? n : batch;
        for (int i = 0; i < n; i++) {
            pending *p = &ps[i];
            p->failure[0] = 0;
            p->state = OPEN_CONNECTING;
            p->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
            if (p->fd < 0) {
                pending_fail(p, "socket failed: %s", strerror(errno));
                continue;
            }
            int one = 1;
            setsockopt(p->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
            if (connect(p->fd, (const struct sockaddr *)addr, sizeof *addr) != 0 && errno != EINPROGRESS) {
                pending_fail(p, "connect failed: %s", strerror(errno));
                continue;
            }
            struct epoll_event ev = {.events = EPOLLOUT, .data.ptr = p};
            if (epoll_ctl(epfd, EPOLL_CTL_ADD, p->fd, &ev) != 0) {
                pending_fail(p, "epoll_ctl: %s", strerror(errno));
            }
        }
        int64_t deadline = now_ns() + BATCH_TIMEOUT_NS;
        for (;;) {
            int waiting = 0;
            for (int i = 0; i < n; i++) {
                waiting += ps[i].state != OPEN_DONE && ps[i].state != OPEN_FAILED;
            }
            int64_t left = deadline - now_ns();
            if (waiting == 0 || left <= 0) {
                break;
            }
            int k = epoll_wait(epfd, events, MAX_EVENTS, (int)((left + 999999) / 1000000));
            for (int e = 0; e < k; e++) {
                pending *p = events[e].data.ptr;
                uint32_t want = pending_step(p);
                struct epoll_event ev = {.events = want, .data.ptr = p};
                /* Done or failed: out of the set at once, or a failed socket's EPOLLERR would spin this loop. */
                epoll_ctl(epfd, want != 0 ? EPOLL_CTL_MOD : EPOLL_CTL_DEL, p->fd, &ev);
            }
        }
        for (int i = 0; i < n; i++) {
            pending *p = &ps[i];
            if (p->fd >= 0) {
                epoll_ctl(epfd, EPOLL_CTL_DEL, p->fd, NULL);
            }
            if (p->state == OPEN_DONE) {
                fds[opened++] = p->fd;
            } else {
                if (p->fd >= 0) {
                    close(p->fd);
                }
                NOTE_FAILURE("%s", p->state == OPEN_FAILED ? p->failure : "no answer within the timeout");
            }
        }
    }
#undef NOTE_FAILURE
    close(epfd);
    free(ps);
    return opened;
}

/* ---- command line, in the Java mains' style: --name value pairs only ---- */

static void fail_usage(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fputs("error: ", stderr);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n%s\n", USAGE);
    exit(2);
}

static int parse_int(const char *name, const char *v, int min) {
    char *end;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (errno != 0 || end == v || *end != 0 || n > INT_MAX || n < INT_MIN) {
        fail_usage("--%s is not an integer: %s", name, v);
    }
    if (n < min) {
        fail_usage("--%s must be at least %d, got %s", name, min, v);
    }
    return (int)n;
}

static int64_t parse_seconds(const char *name, const char *v) {
    char *end;
    double s = strtod(v, &end);
    if (end == v || *end != 0) {
        fail_usage("--%s is not a number of seconds: %s", name, v);
    }
    if (!(s >= 0) || s > 86400) {
        fail_usage("--%s must be between 0 and 86400 seconds, got %s", name, v);
    }
    return llround(s * 1e9);
}

int main(int argc, char **argv) {
    const char *host = "127.0.0.1";
    int port = 0, connections = 64, size = 64, threads = 1, batch = 32;
    int64_t duration = 10 * NS_PER_S, warmup = 3 * NS_PER_S;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            puts(USAGE);
            return 0;
        }
        static const char *const known[] = {"host", "port", "connections", "size", "duration", "warmup",
            "threads", "connect-batch"};
        int k = -1;
        for (int j = 0; j < 8 && strncmp(a, "--", 2) == 0; j++) {
            if (strcmp(a + 2, known[j]) == 0) {
                k = j;
            }
        }
        if (k < 0) {
            fail_usage("unknown option %s", a);
        }
        if (i + 1 >= argc) {
            fail_usage("option %s needs a value", a);
        }
        const char *v = argv[++i];
        switch (k) {
        case 0: host = v; break;
        case 1: port = parse_int(known[k], v, 1); break;
        case 2: connections = parse_int(known[k], v, 1); break;
        case 3: size = parse_int(known[k], v, 2); break;
        case 4: duration = parse_seconds(known[k], v); break;
        case 5: warmup = parse_seconds(known[k], v); break;
        case 6: threads = parse_int(known[k], v, 1); break;
        case 7: batch = parse_int(known[k], v, 1); break;
        }
    }
    if (port == 0) {
        fail_usage("--port is required");
    }
    if (port > 65535) {
        fail_usage("--port must be at most 65535, got %d", port);
    }
    if (strcmp(host, "127.0.0.1") != 0) {
        fail_usage("--host must be 127.0.0.1 (this client only loads a server on this machine), got %s", host);
    }
    if (duration == 0) {
        fail_usage("--duration must be more than 0");
    }
    threads = threads < connections ? threads : connections;

    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);

    int *fds = calloc((size_t)connections, sizeof *fds);
    char first_failure[200];
    int failures;
    if (fds == NULL) {
        fprintf(stderr, "echo_load: out of memory\n");
        return 1;
    }
    int opened = open_connections(&addr, connections, batch, fds, &failures, first_failure, sizeof first_failure);
    if (failures > 0) {
        fprintf(stderr, "%d of %d connections failed to open; first: %s\n", failures, connections, first_failure);
    }

    worker *ws = calloc((size_t)threads, sizeof *ws);
    conn *cs = calloc((size_t)(opened > 0 ? opened : 1), sizeof *cs);
    if (ws == NULL || cs == NULL) {
        fprintf(stderr, "echo_load: out of memory\n");
        return 1;
    }
    for (int t = 0; t < threads; t++) {
        worker *w = &ws[t];
        w->index = t;
        w->size = (size_t)size;
        w->epfd = epoll_create1(EPOLL_CLOEXEC);
        w->hist = calloc(1, sizeof *w->hist);
        w->conns = calloc((size_t)(opened / threads + 1), sizeof *w->conns);
        if (w->epfd < 0 || w->hist == NULL || w->conns == NULL) {
            fprintf(stderr, "echo_load: cannot set up thread %d: %s\n", t, strerror(errno));
            return 1;
        }
    }
    for (int i = 0; i < opened; i++) {
        conn *c = &cs[i];
        worker *w = &ws[i % threads];
        c->fd = fds[i];
        c->alive = 1;
        c->w = w;
        c->out = malloc((size_t)size);
        c->in = malloc((size_t)size);
        if (c->out == NULL || c->in == NULL) {
            fprintf(stderr, "echo_load: out of memory\n");
            return 1;
        }
        for (int b = 0; b < size; b++) {
            c->out[b] = (uint8_t)(b * 31 + 7); /* EchoLoad.fillPattern; byte 0 becomes each message's tag */
        }
        struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
        if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, c->fd, &ev) != 0) {
            fprintf(stderr, "echo_load: epoll_ctl: %s\n", strerror(errno));
            return 1;
        }
        w->conns[w->count++] = c;
    }

    int64_t start = now_ns() + 10000000; /* as Measurement.run: 10 ms from now */
    int64_t window_start = start + warmup, window_end = window_start + duration;
    /* A backstop: whatever happens, the process is gone a minute after its window. */
    alarm((unsigned)((window_end - now_ns()) / NS_PER_S + 60));
    pthread_t *tids = calloc((size_t)threads, sizeof *tids);
    for (int t = 0; t < threads; t++) {
        ws[t].window_start = window_start;
        ws[t].window_end = window_end;
    }
    for (int t = 1; t < threads; t++) {
        int err = pthread_create(&tids[t], NULL, worker_run, &ws[t]);
        if (err != 0) {
            fprintf(stderr, "echo_load: cannot start thread %d: %s\n", t, strerror(err));
            return 1;
        }
    }
    worker_run(&ws[0]);
    for (int t = 1; t < threads; t++) {
        pthread_join(tids[t], NULL);
    }
    for (int i = 0; i < opened; i++) {
        if (cs[i].alive) {
            close(cs[i].fd);
        }
    }

    histogram *all = calloc(1, sizeof *all);
    uint64_t requests = 0, errors = 0;
    const char *first_error = NULL;
    for (int t = 0; t < threads; t++) {
        hist_add(all, ws[t].hist);
        requests += ws[t].requests;
        errors += ws[t].errors;
        if (first_error == NULL && ws[t].first_error[0] != 0) {
            first_error = ws[t].first_error;
        }
    }
    if (first_error != NULL) {
        fprintf(stderr, "first error (of %llu): %s\n", (unsigned long long)errors, first_error);
    }
    double seconds = duration / 1e9;
    int64_t wall = ws[0].wall_end - ws[0].wall_start;
    double cpu_pct = 100.0 * (double)(ws[0].cpu_end - ws[0].cpu_start) / (double)(wall > 0 ? wall : 1);
    printf("RESULT conns=%d size=%d threads=%d duration_s=%.3f requests=%llu rps=%.1f p50_us=%.1f p90_us=%.1f"
           " p99_us=%.1f p999_us=%.1f max_us=%.1f errors=%llu client_cpu_pct=%.1f\n",
        connections, size, threads, seconds, (unsigned long long)requests, requests / seconds,
        hist_percentile_us(all, 50), hist_percentile_us(all, 90), hist_percentile_us(all, 99),
        hist_percentile_us(all, 99.9), all->total == 0 ? 0.0 : hist_highest(hist_index(all->max)) / 1e3, (unsigned long long)(errors + (uint64_t)failures),
        cpu_pct);
    fflush(stdout);
    /* Where the client's CPU went (on loopback, most of it is the kernel's TCP path, charged to the sender). */
    fprintf(stderr, "client CPU over the window: %.1f %% of a core, of which system %.1f %%; %.2f us per request\n",
        cpu_pct, 100.0 * (double)(ws[0].sys_end - ws[0].sys_start) / (double)(wall > 0 ? wall : 1),
        requests > 0 ? (double)(ws[0].cpu_end - ws[0].cpu_start) / 1e3 / (double)requests : 0.0);
    return 0;
}
