// A small fork-join pool for VLBlocks' kernels: persistent workers that spin briefly between jobs.
//
// A forward pass is a chain of short parallel regions (a GEMM, a norm, a softmax), often well under a
// millisecond each. Waking a sleeping thread per region costs tens of microseconds and a system call; here a
// worker that has just finished keeps polling for ~0.2 ms before it sleeps on a futex, so back-to-back
// regions start at once. Chunks are claimed dynamically: a caller whose workers are slow to wake runs the
// chunks itself. One job runs at a time; a second caller (another task, or a nested region) is told so and
// uses its own fallback.

#include "vlblocks_kernels.h"

#if defined(__linux__)

#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define MAX_WORKERS 63

static _Atomic long spin_nanoseconds = 200000;  // how long an idle worker polls before it sleeps

void vlb_set_worker_spin(long nanoseconds) {
    atomic_store_explicit(&spin_nanoseconds, nanoseconds < 0 ? 0 : nanoseconds, memory_order_relaxed);
}

// The job: generation (32 bits) | chunk count (16) | next unclaimed chunk (16), published with release order
// after `job_fn` and `job_context` are written. A chunk is claimed by a compare-and-swap on this word, so a
// worker never runs a chunk of a job other than the one it read.
static _Atomic uint64_t job_state;
static _Atomic long job_done;
static vlb_chunk_fn job_fn;
static void *job_context;

static _Atomic uint32_t wake_sequence;  // bumped on every submission; workers sleep on it
static _Atomic int sleepers;
static _Atomic int worker_count;
static pthread_mutex_t submit_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t spawn_lock = PTHREAD_MUTEX_INITIALIZER;

static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

static long now_nanoseconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long)t.tv_sec * 1000000000L + t.tv_nsec;
}

// Claims and runs chunks of the current job until none is left; returns whether it ran any.
static int run_chunks(void) {
    int ran = 0;
    uint64_t state = atomic_load_explicit(&job_state, memory_order_acquire);
    for (;;) {
        uint64_t chunks = (state >> 16) & 0xFFFF, next = state & 0xFFFF;
        if (next >= chunks) return ran;
        if (!atomic_compare_exchange_weak_explicit(&job_state, &state, state + 1, memory_order_acq_rel,
                                                   memory_order_acquire))
            continue;
        job_fn(job_context, (long)next);
        atomic_fetch_add_explicit(&job_done, 1, memory_order_release);
        ran = 1;
        state = atomic_load_explicit(&job_state, memory_order_acquire);
    }
}

static void *worker_main(void *unused) {
    (void)unused;
    for (;;) {
        uint32_t seen = atomic_load_explicit(&wake_sequence, memory_order_acquire);
        if (run_chunks()) continue;
        long deadline = now_nanoseconds() + atomic_load_explicit(&spin_nanoseconds, memory_order_relaxed);
        int woke = 0;
        for (long i = 1; !woke; i++) {
            if (atomic_load_explicit(&wake_sequence, memory_order_acquire) != seen) woke = 1;
            else if ((i & 63) == 0 && now_nanoseconds() > deadline) break;
            else cpu_relax();
        }
        if (woke) continue;
        atomic_fetch_add(&sleepers, 1);
        // Returns at once if a submission bumped the sequence after `seen` was read.
        syscall(SYS_futex, &wake_sequence, FUTEX_WAIT_PRIVATE, seen, NULL, NULL, 0);
        atomic_fetch_sub(&sleepers, 1);
    }
    return NULL;
}

static void ensure_workers(int wanted) {
    if (wanted > MAX_WORKERS) wanted = MAX_WORKERS;
    if (atomic_load_explicit(&worker_count, memory_order_acquire) >= wanted) return;
    pthread_mutex_lock(&spawn_lock);
    while (atomic_load(&worker_count) < wanted) {
        pthread_attr_t attributes;
        pthread_attr_init(&attributes);
        pthread_attr_setdetachstate(&attributes, PTHREAD_CREATE_DETACHED);
        pthread_t thread;
        int failed = pthread_create(&thread, &attributes, worker_main, NULL);
        pthread_attr_destroy(&attributes);
        if (failed) break;
        atomic_fetch_add(&worker_count, 1);
    }
    pthread_mutex_unlock(&spawn_lock);
}

int vlb_parallel_run(long chunks, int threads, vlb_chunk_fn fn, void *context) {
    if (chunks < 1 || chunks > 0xFFFF || threads < 2) return 0;
    if (pthread_mutex_trylock(&submit_lock) != 0) return 0;
    ensure_workers(threads - 1);
    if (atomic_load(&worker_count) < 1) {
        pthread_mutex_unlock(&submit_lock);
        return 0;
    }
    job_fn = fn;
    job_context = context;
    atomic_store_explicit(&job_done, 0, memory_order_relaxed);
    uint64_t generation = (atomic_load_explicit(&job_state, memory_order_relaxed) >> 32) + 1;
    atomic_store_explicit(&job_state, (generation << 32) | ((uint64_t)chunks << 16), memory_order_release);
    atomic_fetch_add_explicit(&wake_sequence, 1, memory_order_seq_cst);
    if (atomic_load(&sleepers) > 0) syscall(SYS_futex, &wake_sequence, FUTEX_WAKE_PRIVATE, threads - 1, NULL, NULL, 0);
    run_chunks();
    // Wait for the workers' last chunks: poll, then yield the core in case a worker waits for it (more threads
    // than free cores).
    for (long spins = 0; atomic_load_explicit(&job_done, memory_order_acquire) < chunks; spins++) {
        if (spins < 2048) cpu_relax();
        else sched_yield();
    }
    pthread_mutex_unlock(&submit_lock);
    return 1;
}

#else

int vlb_parallel_run(long chunks, int threads, vlb_chunk_fn fn, void *context) {
    (void)chunks, (void)threads, (void)fn, (void)context;
    return 0;
}

void vlb_set_worker_spin(long nanoseconds) { (void)nanoseconds; }

#endif
