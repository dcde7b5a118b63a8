/*
 * trendbench: the load client of bench/trends.sh (see bench/README.md).
 * C threads, each on its own keep-alive connection, send the lines of a
 * request file round-robin for a fixed time or number of requests and keep
 * every latency; at the end it prints, per request name, the count, the
 * errors, p50/p95/p99/max and the X-Trend-Source values answered.
 * It only talks to loopback addresses: it measures a service on this
 * machine and must never be pointed at someone else's.
 */
#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define LINES_MAX        1000
#define LINE_BYTES_MAX   8192
#define NAME_BYTES_MAX   63
#define CLIENTS_MAX      256
#define DURATION_S_MAX   3600.0
/* Every latency is kept (8 bytes each): this bounds the memory of a run. */
#define SAMPLES_MAX      20000000ull
/* Distinct X-Trend-Source values a worker tells apart; more count as "other". */
#define SOURCES_MAX      8
#define SOURCE_BYTES_MAX 32
/* Bytes of an error answer's body shown with its status. */
#define ERROR_HEAD_BYTES 300

struct request_line {
    char              *name;
    char              *url;
    struct curl_slist *headers;  /* the --header values, then the line's own */
    size_t             name_index;
};

struct options {
    const char        *base_url;
    const char        *requests_path;
    const char        *tsv_path;
    unsigned           clients;
    double             duration_s;   /* 0: no time limit */
    unsigned long long count;        /* 0: no count limit */
    unsigned           warmup_rounds;
    long               timeout_ms;
    bool               each;
    struct curl_slist *headers;
};

/* One request as measured. line indexes the request file; source indexes
 * the worker's own table of X-Trend-Source values (0: none sent). */
struct sample {
    uint32_t latency_us;
    uint16_t line;
    uint8_t  source;
    uint8_t  ok;
};

/* The lines of one run (all of them, or those of one name with --each)
 * and what bounds it. */
struct phase {
    const size_t      *lines;
    size_t             line_count;
    unsigned long long count;
    struct timespec    deadline;
    bool               timed;
    atomic_ullong      issued;
};

struct worker {
    pthread_t           thread;
    CURL               *curl;
    struct phase       *phase;
    struct sample      *samples;
    size_t              sample_count, sample_cap;
    bool                out_of_memory;
    unsigned long long *line_bytes;  /* body bytes received per request line */
    char                sources[SOURCES_MAX + 1][SOURCE_BYTES_MAX];
    unsigned            source_count;  /* sources[0] is "" (none sent) */
    /* The answer in progress. */
    char                source_now[SOURCE_BYTES_MAX];
    size_t              body_bytes;
    char                body_head[ERROR_HEAD_BYTES + 1];
    size_t              body_head_len;
};

/* Per request name, after the run. */
struct name_stats {
    char              *name;
    unsigned long long requests, errors, bytes;
    double             seconds;  /* length of the phase(s) that sent it */
    uint32_t          *latencies_us;  /* of the 2xx answers */
    size_t             latency_count;
    char               sources[2 * SOURCES_MAX + 2][SOURCE_BYTES_MAX];
    unsigned long long source_counts[2 * SOURCES_MAX + 2];
    unsigned           source_count;
    bool               error_shown;
};

static struct request_line g_lines[LINES_MAX];
static size_t              g_line_count;
static struct name_stats   g_names[LINES_MAX];
static size_t              g_name_count;
static pthread_mutex_t     g_error_lock = PTHREAD_MUTEX_INITIALIZER;
/* A status measured like a 2xx (--ok-status), such as the 401 of a
 * refused key; 0 for none. */
static long                g_ok_status;

static const char usage_text[] =
    "usage: trendbench --url http://127.0.0.1:PORT --requests FILE [--clients N]\n"
    "                  [--duration SECONDS] [--count REQUESTS] [--each] [--warmup ROUNDS]\n"
    "                  [--header 'Name: value' | --header @FILE]... [--timeout-ms MS]\n"
    "                  [--tsv FILE] [--ok-status STATUS]\n"
    "FILE: one request a line, NAME<TAB>PATH?QUERY[<TAB>Header: value]; '#' starts a\n"
    "comment line. --url must be a loopback address (127.0.0.0/8 or [::1]).\n"
    "Without --duration or --count the run lasts 10 s; with --each every NAME runs\n"
    "alone, each for that long (or that many requests). Latencies are those of 2xx\n"
    "answers and of --ok-status answers; any other answer counts as an error.\n";

static double
seconds_between(const struct timespec *start, const struct timespec *end)
{
    return (double)(end->tv_sec - start->tv_sec) + (double)(end->tv_nsec - start->tv_nsec) / 1e9;
}

static bool
time_passed(const struct timespec *deadline)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    return now.tv_sec > deadline->tv_sec
        || (now.tv_sec == deadline->tv_sec && now.tv_nsec >= deadline->tv_nsec);
}

/* True when host (as libcurl's URL parser gives it: IPv6 in brackets) is
 * a literal loopback address. Names such as localhost are refused: what
 * they resolve to is not ours to check. */
static bool
host_is_loopback(const char *host)
{
    struct in_addr  v4;
    struct in6_addr v6;
    char            inner[64];
    size_t          len = strlen(host);

    if (inet_pton(AF_INET, host, &v4) == 1)
        return (ntohl(v4.s_addr) >> 24) == 127;
    if (len < 3 || len - 2 >= sizeof(inner) || host[0] != '[' || host[len - 1] != ']')
        return false;
    memcpy(inner, host + 1, len - 2);
    inner[len - 2] = '\0';
    return inet_pton(AF_INET6, inner, &v6) == 1 && memcmp(&v6, &in6addr_loopback, sizeof(v6)) == 0;
}

/* True when url parses as http(s) on a loopback host. Each full request URL
 * is checked, not only the base, so no request line can leave the machine. */
static bool
url_is_loopback(const char *url)
{
    CURLU *parsed = curl_url();
    char  *scheme = NULL, *host = NULL;
    bool   loopback = false;

    if (parsed != NULL && curl_url_set(parsed, CURLUPART_URL, url, 0) == CURLUE_OK
        && curl_url_get(parsed, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK
        && curl_url_get(parsed, CURLUPART_HOST, &host, 0) == CURLUE_OK)
        loopback = (strcmp(scheme, "http") == 0 || strcmp(scheme, "https") == 0)
                && host_is_loopback(host);
    curl_free(scheme);
    curl_free(host);
    curl_url_cleanup(parsed);
    return loopback;
}

static size_t
name_index_of(const char *name)
{
    for (size_t i = 0; i < g_name_count; i++)
        if (strcmp(g_names[i].name, name) == 0)
            return i;
    return SIZE_MAX;
}

/* A copy of the --header list with one more header (may be NULL) appended.
 * Returns a new list, caller frees; NULL when memory is short. */
static struct curl_slist *
headers_with(const struct curl_slist *common, const char *extra)
{
    struct curl_slist *list = NULL, *grown;

    for (const struct curl_slist *h = common; h != NULL; h = h->next) {
        if ((grown = curl_slist_append(list, h->data)) == NULL)
            goto fail;
        list = grown;
    }
    if (extra != NULL) {
        if ((grown = curl_slist_append(list, extra)) == NULL)
            goto fail;
        list = grown;
    }
    return list;
fail:
    curl_slist_free_all(list);
    return NULL;
}

/* Parses one line of the request file into g_lines. Borrows text (it is
 * cut up in place). Returns 0, or -1 after saying what is wrong. */
static int
add_request_line(char *text, const char *base_url, const struct curl_slist *common,
                 const char *where)
{
    char                *path = strchr(text, '\t'), *header;
    struct request_line *line = &g_lines[g_line_count];
    size_t               base_len = strlen(base_url), path_len;

    if (path == NULL) {
        fprintf(stderr, "trendbench: %s: expected NAME<TAB>PATH\n", where);
        return -1;
    }
    *path++ = '\0';
    if ((header = strchr(path, '\t')) != NULL)
        *header++ = '\0';
    if (text[0] == '\0' || strlen(text) > NAME_BYTES_MAX || strpbrk(text, " \r") != NULL) {
        fprintf(stderr, "trendbench: %s: NAME must be 1-%d characters without spaces\n", where,
                NAME_BYTES_MAX);
        return -1;
    }
    if (path[0] != '/' || strpbrk(path, " \r\t") != NULL) {
        fprintf(stderr, "trendbench: %s: PATH must start with / and hold no spaces\n", where);
        return -1;
    }
    if (header != NULL && (strchr(header, ':') == NULL || strpbrk(header, "\r\t") != NULL)) {
        fprintf(stderr, "trendbench: %s: the third field must be one 'Name: value' header\n",
                where);
        return -1;
    }
    if (g_line_count == LINES_MAX) {
        fprintf(stderr, "trendbench: %s: more than %d request lines\n", where, LINES_MAX);
        return -1;
    }
    path_len = strlen(path);
    line->url = malloc(base_len + path_len + 1);
    line->name = strdup(text);
    line->headers = headers_with(common, header);
    g_line_count++;  /* from here on, freed with the others */
    if (line->url == NULL || line->name == NULL || (line->headers == NULL && (common || header))) {
        fputs("trendbench: out of memory\n", stderr);
        return -1;
    }
    memcpy(line->url, base_url, base_len);
    memcpy(line->url + base_len, path, path_len + 1);
    if (!url_is_loopback(line->url)) {
        fprintf(stderr, "trendbench: %s: %s is not a URL on a loopback address\n", where,
                line->url);
        return -1;
    }
    line->name_index = name_index_of(line->name);
    if (line->name_index == SIZE_MAX) {
        line->name_index = g_name_count;
        if ((g_names[g_name_count++].name = strdup(line->name)) == NULL) {
            fputs("trendbench: out of memory\n", stderr);
            return -1;
        }
    }
    return 0;
}

/* Reads the request file. Returns 0, or -1 after saying why not. */
static int
read_requests(const struct options *opt)
{
    FILE  *file = fopen(opt->requests_path, "r");
    char   text[LINE_BYTES_MAX + 2], where[64];
    size_t base_len = strlen(opt->base_url);
    char  *base = strdup(opt->base_url);
    int    status = 0;

    if (file == NULL || base == NULL) {
        fprintf(stderr, "trendbench: cannot read %s: %s\n", opt->requests_path, strerror(errno));
        if (file != NULL)
            fclose(file);
        free(base);
        return -1;
    }
    /* The paths start with '/': a base that ends with one would double it. */
    while (base_len > 0 && base[base_len - 1] == '/')
        base[--base_len] = '\0';
    for (unsigned number = 1; status == 0 && fgets(text, sizeof(text), file) != NULL; number++) {
        size_t len = strlen(text);

        snprintf(where, sizeof(where), "%s line %u", opt->requests_path, number);
        if (len > LINE_BYTES_MAX) {
            fprintf(stderr, "trendbench: %s: longer than %d bytes\n", where, LINE_BYTES_MAX);
            status = -1;
            break;
        }
        while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r'))
            text[--len] = '\0';
        if (len == 0 || text[0] == '#')
            continue;
        status = add_request_line(text, base, opt->headers, where);
    }
    if (status == 0 && ferror(file)) {
        fprintf(stderr, "trendbench: cannot read %s\n", opt->requests_path);
        status = -1;
    }
    if (status == 0 && g_line_count == 0) {
        fprintf(stderr, "trendbench: %s holds no request lines\n", opt->requests_path);
        status = -1;
    }
    fclose(file);
    free(base);
    return status;
}

static size_t
on_header(char *data, size_t size, size_t nitems, void *userdata)
{
    static const char field[] = "x-trend-source:";
    struct worker    *worker = userdata;
    size_t            len = size * nitems, start = sizeof(field) - 1, end = len;

    /* A status line starts a new header block (after a 100 Continue). */
    if (len >= 5 && memcmp(data, "HTTP/", 5) == 0) {
        worker->source_now[0] = '\0';
        return len;
    }
    if (len <= start || strncasecmp(data, field, start) != 0)
        return len;
    while (start < end && (data[start] == ' ' || data[start] == '\t'))
        start++;
    while (end > start && (data[end - 1] == '\r' || data[end - 1] == '\n' || data[end - 1] == ' '))
        end--;
    if (end - start >= SOURCE_BYTES_MAX)
        end = start + SOURCE_BYTES_MAX - 1;
    memcpy(worker->source_now, data + start, end - start);
    worker->source_now[end - start] = '\0';
    return len;
}

static size_t
on_body(char *data, size_t size, size_t nmemb, void *userdata)
{
    struct worker *worker = userdata;
    size_t         len = size * nmemb;
    size_t         keep = ERROR_HEAD_BYTES - worker->body_head_len;

    if (keep > len)
        keep = len;
    memcpy(worker->body_head + worker->body_head_len, data, keep);
    worker->body_head_len += keep;
    worker->body_bytes += len;
    return len;
}

/* Returns a new easy handle set up for worker, or NULL. */
static CURL *
client_create(struct worker *worker, long timeout_ms)
{
    CURL *curl = curl_easy_init();

    if (curl == NULL)
        return NULL;
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    /* Straight to the loopback address checked above: no proxy from the
     * environment, no redirect elsewhere. */
    curl_easy_setopt(curl, CURLOPT_NOPROXY, "*");
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, worker);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, worker);
    return curl;
}

/* Index of the answer's X-Trend-Source in the worker's table (0: none). */
static uint8_t
source_index(struct worker *worker)
{
    if (worker->source_now[0] == '\0')
        return 0;
    for (unsigned i = 1; i <= worker->source_count; i++)
        if (strcmp(worker->sources[i], worker->source_now) == 0)
            return (uint8_t)i;
    if (worker->source_count == SOURCES_MAX)
        return SOURCES_MAX + 1;  /* "other", see name_add_source */
    worker->source_count++;
    memcpy(worker->sources[worker->source_count], worker->source_now, SOURCE_BYTES_MAX);
    return (uint8_t)worker->source_count;
}

/* The first failure of each name goes to stderr: it usually says why all
 * the others failed too. */
static void
show_first_error(struct worker *worker, size_t line_index, long status, CURLcode code)
{
    struct name_stats *stats = &g_names[g_lines[line_index].name_index];
    char              *head = worker->body_head;
    bool               show;

    pthread_mutex_lock(&g_error_lock);
    show = !stats->error_shown;
    stats->error_shown = true;
    pthread_mutex_unlock(&g_error_lock);
    if (!show)
        return;
    if (code != CURLE_OK) {
        fprintf(stderr, "trendbench: %s: %s\n", stats->name, curl_easy_strerror(code));
        return;
    }
    /* On one line, whatever the body holds. */
    for (size_t i = 0; i < worker->body_head_len; i++)
        if ((unsigned char)head[i] < 0x20 || head[i] == 0x7f)
            head[i] = ' ';
    fprintf(stderr, "trendbench: %s: HTTP %ld: %.*s\n", stats->name, status,
            (int)worker->body_head_len, head);
}

/* Sends one request and returns its sample. */
static struct sample
send_request(struct worker *worker, size_t line_index)
{
    const struct request_line *line = &g_lines[line_index];
    struct timespec            start, end;
    long                       status = 0;
    CURLcode                   code;
    struct sample              sample = {.line = (uint16_t)line_index};
    double                     latency_us;

    worker->source_now[0] = '\0';
    worker->body_bytes = 0;
    worker->body_head_len = 0;
    curl_easy_setopt(worker->curl, CURLOPT_URL, line->url);
    curl_easy_setopt(worker->curl, CURLOPT_HTTPHEADER, line->headers);
    clock_gettime(CLOCK_MONOTONIC, &start);
    code = curl_easy_perform(worker->curl);
    clock_gettime(CLOCK_MONOTONIC, &end);
    if (code == CURLE_OK)
        curl_easy_getinfo(worker->curl, CURLINFO_RESPONSE_CODE, &status);
    latency_us = seconds_between(&start, &end) * 1e6;
    sample.latency_us = latency_us < (double)UINT32_MAX ? (uint32_t)latency_us : UINT32_MAX;
    sample.ok = code == CURLE_OK
                && ((status >= 200 && status <= 299) || (g_ok_status != 0 && status == g_ok_status));
    sample.source = source_index(worker);
    worker->line_bytes[line_index] += worker->body_bytes;
    if (!sample.ok)
        show_first_error(worker, line_index, status, code);
    return sample;
}

static void
keep_sample(struct worker *worker, struct sample sample)
{
    if (worker->sample_count == worker->sample_cap) {
        size_t         cap = worker->sample_cap != 0 ? 2 * worker->sample_cap : 4096;
        struct sample *grown = realloc(worker->samples, cap * sizeof(*grown));

        if (grown == NULL) {
            worker->out_of_memory = true;
            return;
        }
        worker->samples = grown;
        worker->sample_cap = cap;
    }
    worker->samples[worker->sample_count++] = sample;
}

static void *
worker_run(void *arg)
{
    struct worker *worker = arg;
    struct phase  *phase = worker->phase;

    while (!worker->out_of_memory && !(phase->timed && time_passed(&phase->deadline))) {
        unsigned long long n = atomic_fetch_add(&phase->issued, 1);

        if (phase->count != 0 && n >= phase->count)
            break;
        keep_sample(worker, send_request(worker, phase->lines[n % phase->line_count]));
    }
    return NULL;
}

/* Runs the lines of one phase on every worker; the phase's length in
 * seconds goes to every name it sent. Returns the requests issued. */
static unsigned long long
run_phase(struct worker *workers, unsigned clients, struct phase *phase, double duration_s)
{
    struct timespec    start, end;
    unsigned           started = 0;
    unsigned long long issued;

    clock_gettime(CLOCK_MONOTONIC, &start);
    phase->timed = duration_s > 0;
    phase->deadline = start;
    phase->deadline.tv_sec += (time_t)duration_s;
    phase->deadline.tv_nsec += (long)((duration_s - (double)(time_t)duration_s) * 1e9);
    if (phase->deadline.tv_nsec >= 1000000000L) {
        phase->deadline.tv_sec++;
        phase->deadline.tv_nsec -= 1000000000L;
    }
    atomic_store(&phase->issued, 0);
    for (unsigned i = 0; i < clients; i++) {
        workers[i].phase = phase;
        if (pthread_create(&workers[i].thread, NULL, worker_run, &workers[i]) != 0) {
            fputs("trendbench: cannot start a client thread; fewer clients this phase\n", stderr);
            break;
        }
        started++;
    }
    for (unsigned i = 0; i < started; i++)
        pthread_join(workers[i].thread, NULL);
    clock_gettime(CLOCK_MONOTONIC, &end);
    for (size_t i = 0; i < phase->line_count; i++)
        g_names[g_lines[phase->lines[i]].name_index].seconds = seconds_between(&start, &end);
    issued = atomic_load(&phase->issued);
    return phase->count != 0 && issued > phase->count ? phase->count : issued;
}

/* Sends every line `rounds` times from one connection; the answers only
 * warm caches and are not counted (but a failure is shown). */
static void
warm_up(struct worker *worker, unsigned rounds)
{
    for (unsigned round = 0; round < rounds; round++)
        for (size_t i = 0; i < g_line_count; i++)
            send_request(worker, i);
    for (size_t i = 0; i < g_line_count; i++)
        worker->line_bytes[i] = 0;
    for (size_t i = 0; i < g_name_count; i++)
        g_names[i].error_shown = false;
}

static void
name_add_source(struct name_stats *stats, const char *source)
{
    unsigned i;

    for (i = 0; i < stats->source_count; i++)
        if (strcmp(stats->sources[i], source) == 0)
            break;
    if (i == stats->source_count) {
        if (i == sizeof(stats->sources) / sizeof(stats->sources[0]))
            return;
        snprintf(stats->sources[i], SOURCE_BYTES_MAX, "%s", source);
        stats->source_count++;
    }
    stats->source_counts[i]++;
}

static int
compare_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

    return (x > y) - (x < y);
}

/* Gathers every worker's samples per name. Returns 0, -1 when memory is short. */
static int
collect(struct worker *workers, unsigned clients)
{
    size_t ok_counts[LINES_MAX] = {0};

    for (unsigned w = 0; w < clients; w++)
        for (size_t i = 0; i < workers[w].sample_count; i++)
            if (workers[w].samples[i].ok)
                ok_counts[g_lines[workers[w].samples[i].line].name_index]++;
    for (size_t n = 0; n < g_name_count; n++)
        if ((g_names[n].latencies_us = malloc((ok_counts[n] + 1) * sizeof(uint32_t))) == NULL)
            return -1;
    for (unsigned w = 0; w < clients; w++) {
        const struct worker *worker = &workers[w];

        for (size_t i = 0; i < worker->sample_count; i++) {
            const struct sample *sample = &worker->samples[i];
            struct name_stats   *stats = &g_names[g_lines[sample->line].name_index];

            stats->requests++;
            if (!sample->ok)
                stats->errors++;
            else
                stats->latencies_us[stats->latency_count++] = sample->latency_us;
            name_add_source(stats, sample->source == 0 ? "none"
                                   : sample->source > SOURCES_MAX ? "other"
                                                                  : worker->sources[sample->source]);
        }
        for (size_t i = 0; i < g_line_count; i++)
            g_names[g_lines[i].name_index].bytes += worker->line_bytes[i];
    }
    for (size_t n = 0; n < g_name_count; n++)
        qsort(g_names[n].latencies_us, g_names[n].latency_count, sizeof(uint32_t), compare_u32);
    return 0;
}

/* Nearest rank: the smallest latency with at least permille/1000 of the
 * samples at or below it. In milliseconds; -1 when there are none. */
static double
percentile_ms(const struct name_stats *stats, unsigned permille)
{
    size_t rank;

    if (stats->latency_count == 0)
        return -1;
    rank = (stats->latency_count * permille + 999) / 1000;
    if (rank < 1)
        rank = 1;
    return stats->latencies_us[rank - 1] / 1000.0;
}

static void
format_sources(const struct name_stats *stats, char *out, size_t size)
{
    size_t used = 0;

    out[0] = '\0';
    for (unsigned i = 0; i < stats->source_count && used < size; i++) {
        int n = snprintf(out + used, size - used, "%s%s=%llu", i == 0 ? "" : ",",
                         stats->sources[i], stats->source_counts[i]);

        if (n < 0)
            break;
        used += (size_t)n;
    }
    if (stats->source_count == 0)
        snprintf(out, size, "-");
}

static void
format_ms(double ms, char *out, size_t size)
{
    if (ms < 0)
        snprintf(out, size, "-");
    else
        snprintf(out, size, "%.2f", ms);
}

/* The table, aligned for people or tab-separated (with a header row of
 * plain names) for scripts. */
static void
print_rows(FILE *out, bool tsv)
{
    if (tsv)
        fputs("name\trequests\terrors\tp50_ms\tp95_ms\tp99_ms\tmax_ms\treq_per_s\tavg_bytes"
              "\tsources\n", out);
    else
        fprintf(out, "%-32s %9s %7s %9s %9s %9s %9s %8s %9s  %s\n", "name", "requests", "errors",
                "p50_ms", "p95_ms", "p99_ms", "max_ms", "req/s", "avg_bytes", "X-Trend-Source");
    for (size_t n = 0; n < g_name_count; n++) {
        const struct name_stats *s = &g_names[n];
        const unsigned           levels[4] = {500, 950, 990, 1000};
        char                     p[4][24], sources[512];
        double                   rate = s->seconds > 0 ? (double)s->requests / s->seconds : 0.0;
        double bytes = s->requests != 0 ? (double)s->bytes / (double)s->requests : 0.0;

        for (int i = 0; i < 4; i++)
            format_ms(percentile_ms(s, levels[i]), p[i], sizeof(p[i]));
        format_sources(s, sources, sizeof(sources));
        if (tsv)
            fprintf(out, "%s\t%llu\t%llu\t%s\t%s\t%s\t%s\t%.1f\t%.0f\t%s\n", s->name,
                    s->requests, s->errors, p[0], p[1], p[2], p[3], rate, bytes, sources);
        else
            fprintf(out, "%-32s %9llu %7llu %9s %9s %9s %9s %8.1f %9.0f  %s\n", s->name,
                    s->requests, s->errors, p[0], p[1], p[2], p[3], rate, bytes, sources);
    }
}

static int
write_tsv(const char *path)
{
    FILE *out = fopen(path, "w");

    if (out == NULL) {
        fprintf(stderr, "trendbench: cannot write %s: %s\n", path, strerror(errno));
        return -1;
    }
    print_rows(out, true);
    if (fclose(out) != 0) {
        fprintf(stderr, "trendbench: cannot write %s\n", path);
        return -1;
    }
    return 0;
}

/* Appends one --header value (or the first line of the file after '@').
 * Returns 0, -1 after saying why not. */
static int
add_header(struct options *opt, const char *value)
{
    char               text[LINE_BYTES_MAX + 2];
    struct curl_slist *grown;

    if (value[0] == '@') {
        FILE  *file = fopen(value + 1, "r");
        size_t len;

        if (file == NULL || fgets(text, sizeof(text), file) == NULL) {
            fprintf(stderr, "trendbench: cannot read a header line from %s\n", value + 1);
            if (file != NULL)
                fclose(file);
            return -1;
        }
        fclose(file);
        len = strlen(text);
        while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r'))
            text[--len] = '\0';
    } else {
        snprintf(text, sizeof(text), "%s", value);
    }
    if (strchr(text, ':') == NULL || strpbrk(text, "\r\n") != NULL) {
        fputs("trendbench: --header must be one 'Name: value'\n", stderr);
        return -1;
    }
    if ((grown = curl_slist_append(opt->headers, text)) == NULL) {
        fputs("trendbench: out of memory\n", stderr);
        return -1;
    }
    opt->headers = grown;
    return 0;
}

static int
parse_number(const char *text, double min, double max, double *out)
{
    char  *end;
    double value;

    errno = 0;
    value = strtod(text, &end);
    if (errno != 0 || end == text || *end != '\0' || !(value >= min && value <= max))
        return -1;
    *out = value;
    return 0;
}

/* Returns 0, 1 after --help, 2 on a usage error (said). */
static int
parse_options(int argc, char **argv, struct options *opt)
{
    static const struct option longs[] = {
        {"url", required_argument, NULL, 'u'},       {"requests", required_argument, NULL, 'r'},
        {"clients", required_argument, NULL, 'c'},   {"duration", required_argument, NULL, 'd'},
        {"count", required_argument, NULL, 'n'},     {"each", no_argument, NULL, 'e'},
        {"warmup", required_argument, NULL, 'w'},    {"header", required_argument, NULL, 'H'},
        {"timeout-ms", required_argument, NULL, 't'}, {"tsv", required_argument, NULL, 'o'},
        {"ok-status", required_argument, NULL, 's'},
        {"help", no_argument, NULL, 'h'},             {NULL, 0, NULL, 0},
    };
    double value;
    int    c;

    opt->clients = 8;
    opt->timeout_ms = 60000;
    while ((c = getopt_long(argc, argv, "", longs, NULL)) != -1) {
        switch (c) {
        case 'u': opt->base_url = optarg; break;
        case 'r': opt->requests_path = optarg; break;
        case 'o': opt->tsv_path = optarg; break;
        case 'e': opt->each = true; break;
        case 'H':
            if (add_header(opt, optarg) != 0)
                return 2;
            break;
        case 'c':
            if (parse_number(optarg, 1, CLIENTS_MAX, &value) != 0 || value != (unsigned)value)
                goto bad;
            opt->clients = (unsigned)value;
            break;
        case 'd':
            if (parse_number(optarg, 0.1, DURATION_S_MAX, &value) != 0)
                goto bad;
            opt->duration_s = value;
            break;
        case 'n':
            if (parse_number(optarg, 1, (double)SAMPLES_MAX, &value) != 0
                || value != (double)(unsigned long long)value)
                goto bad;
            opt->count = (unsigned long long)value;
            break;
        case 'w':
            if (parse_number(optarg, 0, 100, &value) != 0 || value != (unsigned)value)
                goto bad;
            opt->warmup_rounds = (unsigned)value;
            break;
        case 't':
            if (parse_number(optarg, 1, 600000, &value) != 0 || value != (long)value)
                goto bad;
            opt->timeout_ms = (long)value;
            break;
        case 's':
            if (parse_number(optarg, 100, 599, &value) != 0 || value != (long)value)
                goto bad;
            g_ok_status = (long)value;
            break;
        case 'h': fputs(usage_text, stdout); return 1;
        default: goto bad;
        }
    }
    if (optind != argc || opt->base_url == NULL || opt->requests_path == NULL)
        goto bad;
    if (opt->duration_s == 0 && opt->count == 0)
        opt->duration_s = 10;
    return 0;
bad:
    fprintf(stderr,
            "%s(--clients 1-%d, --duration 0.1-%.0f s, --count 1-%llu, --warmup 0-100,"
            " --timeout-ms 1-600000)\n",
            usage_text, CLIENTS_MAX, DURATION_S_MAX, SAMPLES_MAX);
    return 2;
}

/* Runs every phase: one with all lines, or one per name with --each.
 * Returns 0, or -1 when the sample budget or memory ran out. */
static int
run(const struct options *opt, struct worker *workers)
{
    size_t             lines[LINES_MAX];
    struct phase       phase;
    unsigned long long used = 0;
    size_t             phases = opt->each ? g_name_count : 1;

    for (size_t p = 0; p < phases; p++) {
        phase = (struct phase){.lines = lines, .count = opt->count};
        for (size_t i = 0; i < g_line_count; i++)
            if (!opt->each || g_lines[i].name_index == p)
                lines[phase.line_count++] = i;
        if (used >= SAMPLES_MAX) {
            fprintf(stderr, "trendbench: %llu requests kept, the most a run keeps; stopping\n",
                    used);
            return -1;
        }
        if (phase.count == 0 || phase.count > SAMPLES_MAX - used)
            phase.count = SAMPLES_MAX - used;
        if (opt->each)
            fprintf(stderr, "trendbench: %s\n", g_names[p].name);
        used += run_phase(workers, opt->clients, &phase, opt->duration_s);
        for (unsigned i = 0; i < opt->clients; i++)
            if (workers[i].out_of_memory) {
                fputs("trendbench: out of memory for samples\n", stderr);
                return -1;
            }
    }
    return 0;
}

int
main(int argc, char **argv)
{
    struct options opt = {0};
    struct worker *workers = NULL;
    int            status = 1, parsed;

    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        fputs("trendbench: cannot initialise libcurl\n", stderr);
        return 1;
    }
    parsed = parse_options(argc, argv, &opt);
    if (parsed != 0) {
        status = parsed == 1 ? 0 : 2;
        goto out;
    }
    if (!url_is_loopback(opt.base_url)) {
        fprintf(stderr, "trendbench: --url %s: only http(s) on 127.0.0.0/8 or [::1] is allowed\n",
                opt.base_url);
        status = 2;
        goto out;
    }
    if (read_requests(&opt) != 0)
        goto out;
    workers = calloc(opt.clients, sizeof(*workers));
    if (workers == NULL)
        goto out;
    for (unsigned i = 0; i < opt.clients; i++) {
        workers[i].source_count = 0;
        workers[i].line_bytes = calloc(g_line_count, sizeof(unsigned long long));
        workers[i].curl = client_create(&workers[i], opt.timeout_ms);
        if (workers[i].line_bytes == NULL || workers[i].curl == NULL) {
            fputs("trendbench: cannot set up the clients\n", stderr);
            goto out;
        }
    }
    fprintf(stderr, "trendbench: %zu request lines, %zu names, %u clients, %s", g_line_count,
            g_name_count, opt.clients, opt.each ? "each name alone " : "");
    if (opt.duration_s > 0)
        fprintf(stderr, "for %.1f s%s", opt.duration_s, opt.count != 0 ? " or " : "");
    if (opt.count != 0)
        fprintf(stderr, "%llu requests", opt.count);
    fputc('\n', stderr);
    warm_up(&workers[0], opt.warmup_rounds);
    if (run(&opt, workers) != 0 || collect(workers, opt.clients) != 0)
        goto out;
    print_rows(stdout, false);
    status = opt.tsv_path != NULL && write_tsv(opt.tsv_path) != 0 ? 1 : 0;
out:
    for (unsigned i = 0; workers != NULL && i < opt.clients; i++) {
        if (workers[i].curl != NULL)
            curl_easy_cleanup(workers[i].curl);
        free(workers[i].samples);
        free(workers[i].line_bytes);
    }
    free(workers);
    for (size_t i = 0; i < g_line_count; i++) {
        free(g_lines[i].name);
        free(g_lines[i].url);
        curl_slist_free_all(g_lines[i].headers);
    }
    for (size_t i = 0; i < g_name_count; i++) {
        free(g_names[i].name);
        free(g_names[i].latencies_us);
    }
    curl_slist_free_all(opt.headers);
    curl_global_cleanup();
    return status;
}
