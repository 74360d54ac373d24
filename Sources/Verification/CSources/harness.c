/* kb verification harness: runs one candidate kernel in this (child) process.
 *
 * Reads a plan on stdin, writes events as text lines on stdout and output
 * buffers as raw bytes on fd 3. The parent compares outputs against the
 * reference (computed by another run of this harness linked with reference.c),
 * so nothing the candidate can reach decides whether it passed.
 *
 * Plan (whitespace separated):
 *   limits AS_BYTES CPU_SECONDS FSIZE_BYTES THREADS PIN
 *   seccomp 0|1
 *   case ID SEED CALLS DELAY_MS ADVKIND ADVVALUE ADVNOISE LATE NARGS   (correctness case)
 *   bench ID SEED WARMUP MINRUNS MAXRUNS BUDGET_MS FLUSH_BYTES CHECK NARGS
 *     then NARGS argument lines:
 *       in  DTYPE COUNT DIST P1 P2 ADV     (DIST: normal uniform int_uniform)
 *       out DTYPE COUNT
 *       val DTYPE VALUE
 *   launch NAME DIMS G0 G1 G2 L0 L1 L2        (before a case: one kernel of an OpenCL launch sequence; L0=0: no local size)
 *   backend                                   (initialise the linked backend, e.g. OpenCL: device, context, program)
 *   end
 *
 * Backends (OpenCL) link a file defining kb_invoke plus the strong versions of the weak kb_backend_* hooks
 * below; the C SIMD backend links the candidate and a trampoline defining kb_invoke only.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <sched.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#if defined(__linux__) && defined(__x86_64__)
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#define KB_HAVE_SECCOMP 1
#endif

void kb_invoke(void *const *args);

#define MAXARGS 32
enum { K_IN, K_OUT, K_VAL };
enum { D_F32, D_I32, D_I64 };

typedef struct {
    int kind, dtype, adv, dist;
    long count;
    double p1, p2;
    double value;
    unsigned char *map;      /* whole mapping including guards */
    size_t map_len;
    unsigned char *data;     /* first byte of the buffer */
    size_t bytes;
    unsigned char *lo;       /* first byte of the accessible pages */
    union { float f; int i; long l; } scalar;
} Arg;

static Arg g_args[MAXARGS];
static int g_nargs;
static long g_page;
static int g_case = -1;

/* ---------- what a backend can see of the current case ---------- */
#define MAXLAUNCH 8
typedef struct { char name[128]; int dims; long global[3], local[3]; } Launch;
static Launch g_launch[MAXLAUNCH];
static int g_nlaunch;
static int g_mode;          /* 0 correctness, 1 benchmark */

int kb_case_id(void) { return g_case; }
int kb_case_mode(void) { return g_mode; }
int kb_case_nargs(void) { return g_nargs; }
int kb_case_arg_kind(int i) { return g_args[i].kind; }
int kb_case_arg_dtype(int i) { return g_args[i].dtype; }
long kb_case_arg_count(int i) { return g_args[i].count; }
size_t kb_case_arg_bytes(int i) { return g_args[i].bytes; }
void *kb_case_arg_data(int i) { return g_args[i].kind == K_VAL ? (void *)&g_args[i].scalar : (void *)g_args[i].data; }
int kb_case_launches(void) { return g_nlaunch; }
const char *kb_case_launch_name(int j) { return g_launch[j].name; }
int kb_case_launch_dims(int j) { return g_launch[j].dims; }
const long *kb_case_launch_global(int j) { return g_launch[j].global; }
const long *kb_case_launch_local(int j) { return g_launch[j].local; }

/* Weak defaults: the C SIMD backend needs none of these. */
__attribute__((weak)) int kb_backend_init(void) { return 0; }
__attribute__((weak)) void kb_backend_begin_case(void) {}
__attribute__((weak)) void kb_backend_end_case(void) {}
__attribute__((weak)) void kb_backend_flush(size_t bytes) { (void)bytes; }
__attribute__((weak)) long kb_backend_last_ns(void) { return -1; }
__attribute__((weak)) int kb_backend_sandboxable(void) { return 1; }

/* ---------- async-signal-safe output ---------- */
static void put(const char *s) { size_t n = strlen(s); while (n) { ssize_t w = write(1, s, n); if (w <= 0) return; s += w; n -= (size_t)w; } }
static void putnum(long v) {
    char b[32]; int i = 31; b[i] = 0; int neg = v < 0; unsigned long u = neg ? 0UL - (unsigned long)v : (unsigned long)v;
    do { b[--i] = (char)('0' + u % 10); u /= 10; } while (u);
    if (neg) b[--i] = '-';
    put(b + i);
}

static void on_fault(int sig, siginfo_t *si, void *ctx) {
    const char *name = sig == SIGSEGV ? "SIGSEGV" : sig == SIGBUS ? "SIGBUS" : sig == SIGFPE ? "SIGFPE" : sig == SIGILL ? "SIGILL"
                     : sig == SIGSYS ? "SIGSYS" : sig == SIGABRT ? "SIGABRT" : sig == SIGTRAP ? "SIGTRAP" : "SIGNAL";
    put("fault "); putnum(g_case); put(" "); put(name);
    if (sig == SIGSYS) {
        put(" syscall="); putnum((long)si->si_syscall);
    } else if (sig == SIGSEGV || sig == SIGBUS) {
        unsigned char *a = (unsigned char *)si->si_addr;
        int write_access = -1;
#if defined(__x86_64__)
        ucontext_t *uc = (ucontext_t *)ctx;
        write_access = (uc->uc_mcontext.gregs[REG_ERR] & 2) ? 1 : 0;
#else
        (void)ctx;
#endif
        put(write_access == 1 ? " access=write" : write_access == 0 ? " access=read" : " access=unknown");
        for (int i = 0; i < g_nargs; i++) {
            Arg *g = &g_args[i];
            if (!g->map) continue;
            if (a >= g->map && a < g->map + g->map_len) {
                put(" arg="); putnum(i);
                unsigned char *end = g->data + g->bytes;
                if (a >= end) { put(" where=after offset="); putnum((long)(a - end)); }
                else if (a < g->data) { put(" where=before offset="); putnum((long)(g->data - a)); }
                else { put(" where=inside offset="); putnum((long)(a - g->data)); }
                break;
            }
        }
    }
    put("\n");
    _exit(sig == SIGSYS ? 91 : 90);
}

static void install_handlers(void) {
    static unsigned char altstack[1 << 16];
    stack_t ss; ss.ss_sp = altstack; ss.ss_size = sizeof altstack; ss.ss_flags = 0;
    sigaltstack(&ss, NULL);
    struct sigaction sa; memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_fault; sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    int sigs[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGSYS, SIGABRT, SIGTRAP};
    for (unsigned i = 0; i < sizeof sigs / sizeof sigs[0]; i++) sigaction(sigs[i], &sa, NULL);
}

/* ---------- seccomp: only what computing, threads and this harness need ---------- */
#ifdef KB_HAVE_SECCOMP
static int install_seccomp(void) {
    pid_t pid = getpid();
#define ALLOW(nr) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 1), BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)
    struct sock_filter f[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        /* x32 ABI numbers have bit 30 set: refuse them. */
        BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP),
        ALLOW(SYS_read), ALLOW(SYS_write), ALLOW(SYS_mmap), ALLOW(SYS_munmap), ALLOW(SYS_mprotect),
        ALLOW(SYS_brk), ALLOW(SYS_mremap), ALLOW(SYS_madvise), ALLOW(SYS_rt_sigaction), ALLOW(SYS_rt_sigprocmask),
        ALLOW(SYS_rt_sigreturn), ALLOW(SYS_sigaltstack), ALLOW(SYS_sched_yield), ALLOW(SYS_nanosleep),
        ALLOW(SYS_clock_nanosleep), ALLOW(SYS_clock_gettime), ALLOW(SYS_gettimeofday), ALLOW(SYS_getpid), ALLOW(SYS_gettid),
        ALLOW(SYS_futex), ALLOW(SYS_set_robust_list), ALLOW(SYS_get_robust_list), ALLOW(SYS_rseq),
        ALLOW(SYS_sched_getaffinity), ALLOW(SYS_sched_setaffinity), ALLOW(SYS_exit), ALLOW(SYS_exit_group),
        ALLOW(SYS_sysinfo), ALLOW(SYS_getrusage),
        /* clone3 cannot be inspected: answer ENOSYS so glibc falls back to clone. */
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_clone3, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
        /* clone: threads only (CLONE_THREAD set), never a new process. */
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_clone, 0, 4),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0])),
        BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 0x00010000 /* CLONE_THREAD */, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP),
        /* tgkill / tkill: only this process (abort() signals itself). */
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_tgkill, 0, 3),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0])),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)pid, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP),
    };
#undef ALLOW
    struct sock_fprog prog = {(unsigned short)(sizeof f / sizeof f[0]), f};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return -1;
    if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) != 0) return -1;
    return 0;
}
#endif

/* ---------- deterministic inputs ---------- */
static uint64_t mix(uint64_t *s) {
    uint64_t z = (*s += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}
static double unit(uint64_t *s) { return (double)(mix(s) >> 11) * (1.0 / 9007199254740992.0); }

static size_t dsize(int d) { return d == D_F32 ? 4 : d == D_I32 ? 4 : 8; }

static int alloc_arg(Arg *g, int aligned) {
    g->bytes = (size_t)g->count * dsize(g->dtype);
    size_t body = (g->bytes + (size_t)g_page - 1) / (size_t)g_page * (size_t)g_page;
    if (body == 0) body = (size_t)g_page;
    g->map_len = body + 2 * (size_t)g_page;
    void *m = mmap(NULL, g->map_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) return -1;
    g->map = (unsigned char *)m;
    g->lo = g->map + g_page;
    mprotect(g->map, (size_t)g_page, PROT_NONE);
    mprotect(g->lo + body, (size_t)g_page, PROT_NONE);
    /* Correctness runs: the buffer ends exactly at the guard page (element-aligned only).
       Benchmarks: page-aligned start. */
    g->data = aligned ? g->lo : g->lo + body - g->bytes;
    memset(g->lo, 0xA5, (size_t)(g->data - g->lo));
    return 0;
}

static void free_args(void) {
    for (int i = 0; i < g_nargs; i++) if (g_args[i].map) { munmap(g_args[i].map, g_args[i].map_len); g_args[i].map = NULL; }
}

static void fill_input(Arg *g, uint64_t seed, int advkind, double advv, double advn) {
    uint64_t s = seed;
    for (long i = 0; i < g->count; i++) {
        double v;
        if (g->dist == 0) { /* normal: Box-Muller */
            double u1 = unit(&s), u2 = unit(&s);
            if (u1 < 1e-300) u1 = 1e-300;
            v = g->p1 + g->p2 * sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
        } else if (g->dist == 1) {
            v = g->p1 + (g->p2 - g->p1) * unit(&s);
        } else {
            long lo = (long)g->p1, hi = (long)g->p2;
            long span = hi > lo ? hi - lo : 1;
            v = (double)(lo + (long)(mix(&s) % (uint64_t)span));
        }
        if (g->adv && g->dtype == D_F32) {
            switch (advkind) {
            case 1: v = v + advv; break;            /* offset */
            case 2: v = v * advv; break;            /* scale */
            case 3: v = advv + advn * v; break;     /* constant + noise */
            case 4: v = 0.0; break;                 /* zeros */
            default: break;
            }
        }
        if (g->dtype == D_F32) ((float *)g->data)[i] = (float)v;
        else if (g->dtype == D_I32) ((int *)g->data)[i] = (int)v;
        else ((long *)g->data)[i] = (long)v;
    }
}

static void fill_output(Arg *g) {
    if (g->dtype == D_F32) { uint32_t pat = 0x7FC0DEADu; for (long i = 0; i < g->count; i++) memcpy(g->data + 4 * i, &pat, 4); }
    else if (g->dtype == D_I32) { for (long i = 0; i < g->count; i++) ((int *)g->data)[i] = (int)0xA5A5A5A5u; }
    else { for (long i = 0; i < g->count; i++) ((long *)g->data)[i] = (long)0xA5A5A5A5A5A5A5A5ULL; }
}

static int write_all(int fd, const void *p, size_t n) {
    const unsigned char *c = (const unsigned char *)p;
    while (n) { ssize_t w = write(fd, c, n > (1u << 20) ? (1u << 20) : n); if (w <= 0) { if (errno == EINTR) continue; return -1; } c += w; n -= (size_t)w; }
    return 0;
}

static int dump_outputs(void) {
    for (int i = 0; i < g_nargs; i++)
        if (g_args[i].kind == K_OUT && write_all(3, g_args[i].data, g_args[i].bytes) != 0) return -1;
    return 0;
}

static int canaries_intact(int *which) {
    for (int i = 0; i < g_nargs; i++) {
        Arg *g = &g_args[i];
        if (g->kind != K_OUT) continue;
        for (unsigned char *p = g->lo; p < g->data; p++) if (*p != 0xA5) { *which = i; return 0; }
    }
    return 1;
}

static long now_ns(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return (long)t.tv_sec * 1000000000L + t.tv_nsec; }

static int parse_args(int n, uint64_t seed, int advkind, double advv, double advn, int aligned) {
    if (n < 0 || n > MAXARGS) return -1;
    g_nargs = n;
    for (int i = 0; i < n; i++) {
        Arg *g = &g_args[i]; memset(g, 0, sizeof *g);
        char kind[8], dtype[8];
        if (scanf("%7s %7s", kind, dtype) != 2) return -1;
        g->dtype = !strcmp(dtype, "f32") ? D_F32 : !strcmp(dtype, "i32") ? D_I32 : !strcmp(dtype, "i64") ? D_I64 : -1;
        if (g->dtype < 0) return -1;
        if (!strcmp(kind, "in")) {
            char dist[16];
            g->kind = K_IN;
            if (scanf("%ld %15s %lf %lf %d", &g->count, dist, &g->p1, &g->p2, &g->adv) != 5) return -1;
            g->dist = !strcmp(dist, "normal") ? 0 : !strcmp(dist, "uniform") ? 1 : 2;
            if (g->count < 1 || alloc_arg(g, aligned) != 0) return -2;
            fill_input(g, seed ^ (0x51ED2701ULL * (uint64_t)(i + 1)), advkind, advv, advn);
            mprotect(g->lo, g->map_len - 2 * (size_t)g_page, PROT_READ);
        } else if (!strcmp(kind, "out")) {
            g->kind = K_OUT;
            if (scanf("%ld", &g->count) != 1) return -1;
            if (g->count < 1 || alloc_arg(g, aligned) != 0) return -2;
            fill_output(g);
        } else if (!strcmp(kind, "val")) {
            g->kind = K_VAL;
            if (scanf("%lf", &g->value) != 1) return -1;
            if (g->dtype == D_F32) g->scalar.f = (float)g->value;
            else if (g->dtype == D_I32) g->scalar.i = (int)g->value;
            else g->scalar.l = (long)g->value;
        } else return -1;
    }
    return 0;
}

static void argv_of(void **a) {
    for (int i = 0; i < g_nargs; i++) a[i] = g_args[i].kind == K_VAL ? (void *)&g_args[i].scalar : (void *)g_args[i].data;
}

static void sleep_ms(long ms) { struct timespec t = {ms / 1000, (ms % 1000) * 1000000L}; while (nanosleep(&t, &t) != 0 && errno == EINTR) {} }

int kb_harness_main(void);

/* The OpenCL backend brings its own main (device listing and probing) and calls kb_harness_main. */
__attribute__((weak)) int main(void) { return kb_harness_main(); }

int kb_harness_main(void) {
    g_page = sysconf(_SC_PAGESIZE);
    install_handlers();
    setvbuf(stdout, NULL, _IOLBF, 0);
    struct rlimit core = {0, 0}; setrlimit(RLIMIT_CORE, &core);
    int seccomp_on = 0, sandboxed = 0;
    unsigned char *flush = NULL; size_t flush_len = 0;
    char word[16];
    while (scanf("%15s", word) == 1) {
        if (!strcmp(word, "limits")) {
            unsigned long as, cpu, fsz; int threads, pin;
            if (scanf("%lu %lu %lu %d %d", &as, &cpu, &fsz, &threads, &pin) != 5) { put("error bad limits\n"); return 2; }
            struct rlimit r;
            r.rlim_cur = r.rlim_max = as; setrlimit(RLIMIT_AS, &r);
            r.rlim_cur = r.rlim_max = cpu; setrlimit(RLIMIT_CPU, &r);
            r.rlim_cur = r.rlim_max = fsz; setrlimit(RLIMIT_FSIZE, &r);
            if (pin && threads == 1) {
                cpu_set_t set; CPU_ZERO(&set);
                if (sched_getaffinity(0, sizeof set, &set) == 0) {
                    for (int c = 0; c < CPU_SETSIZE; c++) if (CPU_ISSET(c, &set)) { CPU_ZERO(&set); CPU_SET(c, &set); sched_setaffinity(0, sizeof set, &set); break; }
                }
            }
        } else if (!strcmp(word, "launch")) {
            if (g_nlaunch >= MAXLAUNCH) { put("error too many launch lines\n"); return 2; }
            Launch *l = &g_launch[g_nlaunch];
            if (scanf("%127s %d %ld %ld %ld %ld %ld %ld", l->name, &l->dims, &l->global[0], &l->global[1], &l->global[2],
                      &l->local[0], &l->local[1], &l->local[2]) != 8 || l->dims < 1 || l->dims > 3) { put("error bad launch\n"); return 2; }
            g_nlaunch++;
        } else if (!strcmp(word, "backend")) {
            int rc = kb_backend_init();
            if (rc != 0) return rc;
            put("backend ready\n");
        } else if (!strcmp(word, "seccomp")) {
            if (scanf("%d", &seccomp_on) != 1) { put("error bad seccomp\n"); return 2; }
        } else if (!strcmp(word, "case") || !strcmp(word, "bench")) {
            int is_bench = word[0] == 'b';
            int id, calls = 1, n; unsigned long seed; long delay = 0; int advkind = 0; double advv = 0, advn = 0; int late = 0;
            int warmup = 0, minruns = 0, maxruns = 0, check = 0; long budget = 0; unsigned long flush_bytes = 0;
            if (!is_bench) {
                if (scanf("%d %lu %d %ld %d %lf %lf %d %d", &id, &seed, &calls, &delay, &advkind, &advv, &advn, &late, &n) != 9) { put("error bad case\n"); return 2; }
            } else {
                if (scanf("%d %lu %d %d %d %ld %lu %d %d", &id, &seed, &warmup, &minruns, &maxruns, &budget, &flush_bytes, &check, &n) != 9) { put("error bad bench\n"); return 2; }
            }
            g_case = id;
            int rc = parse_args(n, seed, advkind, advv, advn, is_bench);
            if (rc == -2) { put("nomem "); putnum(id); put("\n"); return 3; }
            if (rc != 0) { put("error bad arguments\n"); return 2; }
            if (is_bench && flush_bytes > flush_len) {
                if (flush) munmap(flush, flush_len);
                flush = mmap(NULL, flush_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
                if (flush == MAP_FAILED) { put("nomem "); putnum(id); put("\n"); return 3; }
                flush_len = flush_bytes;
            }
#ifdef KB_HAVE_SECCOMP
            if (seccomp_on && !sandboxed && kb_backend_sandboxable()) { if (install_seccomp() != 0) { put("error seccomp unavailable\n"); return 4; } sandboxed = 1; }
#else
            (void)sandboxed;
#endif
            void *a[MAXARGS]; argv_of(a);
            g_mode = is_bench;
            kb_backend_begin_case();
            put("begin "); putnum(id); put("\n");
            if (!is_bench) {
                for (int c = 0; c < calls; c++) {
                    kb_invoke(a);
                    int which;
                    if (!canaries_intact(&which)) { put("canary "); putnum(id); put(" arg="); putnum(which); put("\n"); return 5; }
                    if (dump_outputs() != 0) { put("error output write failed\n"); return 2; }
                }
                if (late) { sleep_ms(delay); if (dump_outputs() != 0) { put("error output write failed\n"); return 2; } }
            } else {
                volatile unsigned char sink = 0;
                long start = now_ns();
                int runs = 0;
                for (int w = 0; w < warmup; w++) kb_invoke(a);
                for (;;) {
                    /* Re-poison the outputs before every timed run, so a kernel cannot notice that the
                       previous run already left the answer there; then flush (which also evicts them). */
                    for (int i = 0; i < g_nargs; i++) if (g_args[i].kind == K_OUT) fill_output(&g_args[i]);
                    if (flush) {
                        for (size_t i = 0; i < flush_len; i += 64) flush[i] = (unsigned char)(flush[i] + 1);
                        for (size_t i = 0; i < flush_len; i += 64) sink ^= flush[i];
                    }
                    kb_backend_flush(flush_bytes);
                    long t0 = now_ns();
                    kb_invoke(a);
                    long t1 = now_ns();
                    long device_ns = kb_backend_last_ns();
                    put("time "); putnum(id); put(" "); putnum(device_ns >= 0 ? device_ns : t1 - t0); put("\n");
                    if (device_ns >= 0) { put("wall "); putnum(id); put(" "); putnum(t1 - t0); put("\n"); }
                    runs++;
                    if (runs >= maxruns) break;
                    if (runs >= minruns && (t1 - start) / 1000000L >= budget) break;
                }
                (void)sink;
                if (check && dump_outputs() != 0) { put("error output write failed\n"); return 2; }
            }
            kb_backend_end_case();
            put("done "); putnum(id); put("\n");
            free_args();
            g_nlaunch = 0;
        } else if (!strcmp(word, "end")) {
            put("end\n");
            _exit(0); /* no stdio teardown: it would need syscalls the sandbox refuses */
        } else {
            put("error unknown plan word\n");
            return 2;
        }
    }
    put("error plan ended without 'end'\n");
    return 2;
}
