/*
 * meta.c - what machine and what build produced a result.
 *
 * hwloc knows the topology (packages, cores, PUs, NUMA nodes, caches and who
 * shares them); uname, /proc and /sys fill in the rest; the Makefile's
 * buildinfo.h records the compiler flags and git revision. Library versions
 * are recorded because they move figures: the hash workload is OpenSSL's
 * speed, and a new glibc changes thread creation costs. Every probe may fail
 * on some machine (containers hide /sys, ARM has no "model name"), so each
 * one falls back to null rather than failing the run.
 */
#define _GNU_SOURCE /* confstr(_CS_GNU_LIBC_VERSION) */
#include "harness/run/meta.h"

#include <hwloc.h>
#include <openssl/crypto.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#include <xxhash.h>

#include "harness/report/json.h"

#if defined(__has_include) && __has_include("buildinfo.h")
#include "buildinfo.h"
#endif
#ifndef CB_GIT
#define CB_GIT    "unknown"
#define CB_CFLAGS "unknown"
#define CB_CC     "unknown"
#endif
#if defined(__GNUC__) && !defined(__clang__)
#define CB_COMPILER "gcc " __VERSION__
#else
#define CB_COMPILER __VERSION__
#endif

/* Caches of one kind, size and sharing: hybrid CPUs have several per level. */
typedef struct {
	char name[16]; /* "L1d", "L2" */
	unsigned level, count, shared_pus, line;
	uint64_t size;
} cache_group;

static hwloc_topology_t topo_open(void)
{
	hwloc_topology_t t;
	if (hwloc_topology_init(&t) < 0)
		return NULL;
	/* L1i is filtered out by default; a teacher showing caches wants it. */
	hwloc_topology_set_icache_types_filter(t, HWLOC_TYPE_FILTER_KEEP_ALL);
	if (hwloc_topology_load(t) < 0) {
		hwloc_topology_destroy(t);
		return NULL;
	}
	return t;
}

static int count(hwloc_topology_t t, hwloc_obj_type_t type)
{
	int n = t ? hwloc_get_nbobjs_by_type(t, type) : 0;
	return n > 0 ? n : 0;
}

static size_t cache_groups(hwloc_topology_t t, cache_group *g, size_t max)
{
	static const hwloc_obj_type_t types[] = {
		HWLOC_OBJ_L1CACHE, HWLOC_OBJ_L1ICACHE, HWLOC_OBJ_L2CACHE, HWLOC_OBJ_L2ICACHE,
		HWLOC_OBJ_L3CACHE, HWLOC_OBJ_L3ICACHE, HWLOC_OBJ_L4CACHE, HWLOC_OBJ_L5CACHE,
	};
	size_t n = 0;
	for (size_t k = 0; t && k < sizeof types / sizeof types[0]; k++) {
		size_t first = n;
		hwloc_obj_t o = NULL;
		while ((o = hwloc_get_next_obj_by_type(t, types[k], o))) {
			unsigned pus = (unsigned)hwloc_bitmap_weight(o->cpuset);
			size_t i = first;
			while (i < n &&
			       !(g[i].size == o->attr->cache.size && g[i].shared_pus == pus))
				i++;
			if (i == n) {
				if (n == max)
					return n;
				memset(&g[n], 0, sizeof g[n]);
				hwloc_obj_type_snprintf(g[n].name, sizeof g[n].name, o, 0);
				g[n].level = o->attr->cache.depth;
				g[n].size = o->attr->cache.size;
				g[n].shared_pus = pus;
				g[n].line = o->attr->cache.linesize;
				n++;
			}
			g[i].count++;
		}
	}
	return n;
}

/* The first line of a small file, without its newline; NULL if unreadable. */
static char *read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	char *s = fgets(buf, (int)len, f);
	fclose(f);
	if (s)
		s[strcspn(s, "\n")] = '\0';
	return s && *s ? s : NULL;
}

/* The value of the first "key<spaces>: value" or key="value" line. */
static char *file_field(const char *path, const char *key, char sep, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	char line[512], *found = NULL;
	size_t klen = strlen(key);

	if (!f)
		return NULL;
	while (!found && fgets(line, sizeof line, f)) {
		if (strncmp(line, key, klen) != 0)
			continue;
		char *v = line + klen + strspn(line + klen, " \t");
		if (*v != sep)
			continue;
		v += 1 + strspn(v + 1, " \t\"");
		v[strcspn(v, "\"\n")] = '\0';
		if (*v)
			found = strncpy(buf, v, len - 1);
	}
	fclose(f);
	if (found)
		buf[len - 1] = '\0';
	return found;
}

char *meta_tidy(char *s)
{
	char *out = s;
	for (const char *p = s; *p; p++) {
		int blank = *p == ' ' || *p == '\t';
		if (blank && (out == s || out[-1] == ' '))
			continue; /* leading, or one more in a run */
		*out++ = blank ? ' ' : *p;
	}
	if (out > s && out[-1] == ' ')
		out--;
	*out = '\0';
	return s;
}

/* Firmware pads the model string with blanks ("Oxide Virtual Turin-like
 * Processor             "); they would reach every chart subtitle. */
static const char *cpu_model(hwloc_topology_t t, char *buf, size_t len)
{
	hwloc_obj_t pkg = t ? hwloc_get_obj_by_type(t, HWLOC_OBJ_PACKAGE, 0) : NULL;
	const char *m = pkg ? hwloc_obj_get_info_by_name(pkg, "CPUModel") : NULL;
	if (m && *m)
		snprintf(buf, len, "%s", m);
	else if (!file_field("/proc/cpuinfo", "model name", ':', buf, len))
		return NULL;
	return *meta_tidy(buf) ? buf : NULL;
}

const char *meta_cpu_model(char *buf, size_t len)
{
	hwloc_topology_t t = topo_open();
	const char *m = cpu_model(t, buf, len);
	if (t)
		hwloc_topology_destroy(t);
	return m;
}

int meta_cores(void)
{
	hwloc_topology_t t = topo_open();
	int n = count(t, HWLOC_OBJ_CORE);
	if (t)
		hwloc_topology_destroy(t);
	if (n < 1)
		n = (int)sysconf(_SC_NPROCESSORS_ONLN);
	return n < 1 ? 1 : n;
}

static void kv_count(jw *w, hwloc_topology_t t, const char *key, hwloc_obj_type_t type)
{
	if (count(t, type) > 0)
		jw_kv_int(w, key, count(t, type));
	else
		jw_kv_null(w, key);
}

static void json_topology(jw *w, hwloc_topology_t t)
{
	cache_group g[32];
	size_t n = cache_groups(t, g, sizeof g / sizeof g[0]);
	char buf[256];

	jw_kv_str(w, "cpu_model", cpu_model(t, buf, sizeof buf));
	kv_count(w, t, "packages", HWLOC_OBJ_PACKAGE);
	kv_count(w, t, "cores", HWLOC_OBJ_CORE);
	kv_count(w, t, "pus", HWLOC_OBJ_PU);
	kv_count(w, t, "numa_nodes", HWLOC_OBJ_NUMANODE);
	/* The kernel's count, not hwloc's: in some VMs hwloc sees only the memory
	 * present at boot, not what was hot-plugged or ballooned in since. */
	long pages = sysconf(_SC_PHYS_PAGES), psize = sysconf(_SC_PAGESIZE);
	if (pages > 0 && psize > 0)
		jw_kv_uint(w, "memory_kib", (uint64_t)pages * (uint64_t)psize / 1024);
	else
		jw_kv_null(w, "memory_kib");
	jw_key(w, "caches");
	if (!t) {
		jw_null(w);
		return;
	}
	jw_arr_begin(w);
	for (size_t i = 0; i < n; i++) {
		jw_obj_begin(w);
		jw_kv_str(w, "name", g[i].name);
		jw_kv_uint(w, "level", g[i].level);
		jw_kv_uint(w, "size_kib", g[i].size / 1024);
		jw_kv_uint(w, "count", g[i].count);
		jw_kv_uint(w, "shared_pus", g[i].shared_pus);
		if (g[i].line)
			jw_kv_uint(w, "line_bytes", g[i].line);
		else
			jw_kv_null(w, "line_bytes");
		jw_obj_end(w);
	}
	jw_arr_end(w);
}

static void json_system(jw *w)
{
	struct utsname u;
	char buf[256];
	int have_u = uname(&u) == 0;

	jw_kv_str(w, "host", have_u ? u.nodename : NULL);
	if (!file_field("/etc/os-release", "PRETTY_NAME", '=', buf, sizeof buf) &&
	    !file_field("/usr/lib/os-release", "PRETTY_NAME", '=', buf, sizeof buf))
		snprintf(buf, sizeof buf, "%s", have_u ? u.sysname : "");
	jw_kv_str(w, "os", *buf ? buf : NULL);
	jw_key(w, "kernel");
	if (have_u) {
		jw_obj_begin(w);
		jw_kv_str(w, "sysname", u.sysname);
		jw_kv_str(w, "release", u.release);
		jw_kv_str(w, "version", u.version);
		jw_kv_str(w, "machine", u.machine);
		jw_obj_end(w);
	} else {
		jw_null(w);
	}
}

/* Things that change from one run to the next on the same machine. */
static void json_conditions(jw *w, const char *cpus)
{
	char buf[256];
	double l[3];

	jw_kv_str(w, "cpus", cpus);
	jw_kv_str(w, "governor",
		  read_line("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor", buf,
			    sizeof buf));
	jw_key(w, "loadavg");
	if (read_line("/proc/loadavg", buf, sizeof buf) &&
	    sscanf(buf, "%lf %lf %lf", &l[0], &l[1], &l[2]) == 3) {
		jw_arr_begin(w);
		for (int i = 0; i < 3; i++)
			jw_double(w, l[i]);
		jw_arr_end(w);
	} else {
		jw_null(w);
	}
}

static void json_build(jw *w, hwloc_topology_t t)
{
	char buf[128];
	struct timespec res;

	jw_kv_str(w, "compiler", CB_COMPILER);
	jw_kv_str(w, "cc", CB_CC);
	jw_kv_str(w, "cflags", CB_CFLAGS);
	jw_key(w, "libraries");
	jw_obj_begin(w);
#ifdef _CS_GNU_LIBC_VERSION
	size_t n = confstr(_CS_GNU_LIBC_VERSION, buf, sizeof buf);
	jw_kv_str(w, "libc", n > 0 && n <= sizeof buf ? buf : NULL);
#else
	jw_kv_null(w, "libc");
#endif
	hwloc_obj_t root = t ? hwloc_get_root_obj(t) : NULL;
	jw_kv_str(w, "hwloc", root ? hwloc_obj_get_info_by_name(root, "hwlocVersion") : NULL);
	jw_kv_str(w, "openssl", OpenSSL_version(OPENSSL_VERSION));
	unsigned x = XXH_versionNumber();
	snprintf(buf, sizeof buf, "%u.%u.%u", x / 10000, x / 100 % 100, x % 100);
	jw_kv_str(w, "xxhash", buf);
	jw_obj_end(w);
	jw_key(w, "clock");
	jw_obj_begin(w);
	jw_kv_str(w, "name", "CLOCK_MONOTONIC");
	if (clock_getres(CLOCK_MONOTONIC, &res) == 0)
		jw_kv_int(w, "resolution_ns", (int64_t)res.tv_sec * 1000000000 + res.tv_nsec);
	else
		jw_kv_null(w, "resolution_ns");
	jw_obj_end(w);
}

void meta_stamp(res_run *r, time_t started)
{
	struct tm tm;

	if (gethostname(r->host, sizeof r->host) < 0)
		r->host[0] = '\0';
	r->host[sizeof r->host - 1] = '\0'; /* gethostname may leave it unended */
	snprintf(r->concbench_version, sizeof r->concbench_version, "%s", CB_VERSION);
	if (!gmtime_r(&started, &tm) ||
	    !strftime(r->started_utc, sizeof r->started_utc, "%Y-%m-%dT%H:%M:%SZ", &tm))
		r->started_utc[0] = '\0';
}

char *meta_context_json(int argc, char **argv, const char *cpus)
{
	char *text = NULL, date[32];
	size_t len = 0;
	time_t now = time(NULL);
	struct tm tm;
	jw w;

	FILE *f = open_memstream(&text, &len);
	if (!f)
		return NULL;
	hwloc_topology_t t = topo_open();
	jw_init(&w, f);
	jw_obj_begin(&w);
	jw_kv_str(&w, "concbench_version", CB_VERSION);
	jw_kv_str(&w, "git", CB_GIT);
	jw_key(&w, "command_line");
	jw_arr_begin(&w);
	for (int i = 0; i < argc && argv; i++)
		jw_str(&w, argv[i]);
	jw_arr_end(&w);
	if (gmtime_r(&now, &tm) && strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", &tm))
		jw_kv_str(&w, "date", date);
	else
		jw_kv_null(&w, "date");
	json_system(&w);
	json_topology(&w, t);
	json_conditions(&w, cpus);
	json_build(&w, t);
	jw_obj_end(&w);
	int bad = jw_done(&w) < 0;
	if (fclose(f) != 0)
		bad = 1;
	if (t)
		hwloc_topology_destroy(t);
	if (bad) {
		free(text);
		return NULL;
	}
	return text;
}

/* 49152 -> "48 KiB", 1310720 -> "1.25 MiB". */
static const char *human(char *buf, size_t len, uint64_t bytes)
{
	static const char *unit[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double v = (double)bytes;
	int u = 0;
	while (v >= 1024 && u < 4)
		v /= 1024, u++;
	snprintf(buf, len, "%.4g %s", v, unit[u]);
	return buf;
}

static void print_topo(FILE *f, hwloc_topology_t t)
{
	char buf[256], sz[32];
	cache_group g[32];
	size_t n = cache_groups(t, g, sizeof g / sizeof g[0]);
	int cores = count(t, HWLOC_OBJ_CORE), pus = count(t, HWLOC_OBJ_PU);
	hwloc_obj_t o = NULL;

	fprintf(f, "%-12s %s\n", "CPU model", cpu_model(t, buf, sizeof buf) ? buf : "unknown");
	fprintf(f, "%-12s %d\n", "packages", count(t, HWLOC_OBJ_PACKAGE));
	fprintf(f, "%-12s %d\n", "cores", cores);
	fprintf(f, "%-12s %d", "PUs", pus);
	if (cores > 0 && pus % cores == 0)
		fprintf(f, " (%d per core)", pus / cores);
	uint64_t hw = hwloc_get_root_obj(t)->total_memory;
	long pages = sysconf(_SC_PHYS_PAGES), psize = sysconf(_SC_PAGESIZE);
	uint64_t kern = pages > 0 && psize > 0 ? (uint64_t)pages * (uint64_t)psize : hw;
	fprintf(f, "\n%-12s %s", "memory", human(sz, sizeof sz, kern));
	/* Some VMs add memory after boot; hwloc's NUMA figures miss it. */
	if (hw && (kern > hw + hw / 20 || hw > kern + kern / 20))
		fprintf(f, " (hwloc's NUMA nodes see %s)", human(sz, sizeof sz, hw));
	fputc('\n', f);
	fprintf(f, "%-12s %d\n", "NUMA nodes", count(t, HWLOC_OBJ_NUMANODE));
	while ((o = hwloc_get_next_obj_by_type(t, HWLOC_OBJ_NUMANODE, o))) {
		hwloc_bitmap_list_snprintf(buf, sizeof buf, o->cpuset);
		fprintf(f, "  node %-5u %s, PUs %s\n", o->os_index,
			human(sz, sizeof sz, o->attr->numanode.local_memory), buf);
	}
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%-12s %-4s %10s x %-4u each shared by %u PU%s\n", i ? "" : "caches",
			g[i].name, human(sz, sizeof sz, g[i].size), g[i].count, g[i].shared_pus,
			g[i].shared_pus == 1 ? "" : "s");
	fprintf(f, "\nPUs of each core, numbered as --cpus takes them:\n");
	fprintf(f, "%8s %8s  %s\n", "package", "core", "PUs");
	while ((o = hwloc_get_next_obj_by_type(t, HWLOC_OBJ_CORE, o))) {
		hwloc_obj_t p = hwloc_get_ancestor_obj_by_type(t, HWLOC_OBJ_PACKAGE, o);
		hwloc_bitmap_list_snprintf(buf, sizeof buf, o->cpuset);
		fprintf(f, "%8d %8u  %s\n", p ? (int)p->logical_index : 0, o->logical_index, buf);
	}
}

int meta_topo_print(FILE *f)
{
	hwloc_topology_t t = topo_open();
	if (!t) {
		fprintf(stderr, "concbench topo: hwloc cannot read this machine's topology\n");
		return -1;
	}
	print_topo(f, t);
	hwloc_topology_destroy(t);
	if (fflush(f) != 0 || ferror(f)) {
		fprintf(stderr, "concbench topo: cannot write the description\n");
		return -1;
	}
	return 0;
}
