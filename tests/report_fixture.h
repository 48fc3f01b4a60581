/*
 * report_fixture.h - what test_rows.c and test_report.c share: the CSV header
 * as it must read, a sample run whose fields need quoting, NaN and "no
 * count", and a JSON check. Include it after testutil.h.
 */
#ifndef CB_REPORT_FIXTURE_H
#define CB_REPORT_FIXTURE_H

#include <math.h>
#include <string.h>

#include "harness/report/json.h"
#include "harness/report/report.h"

#define HEADER                                                                                     \
	"suite,model,workload,params,tasks,concurrency,rep,status,makespan_s,throughput_per_s,"    \
	"lat_mean_s,lat_p50_s,lat_p90_s,lat_p99_s,lat_max_s,svc_mean_s,svc_p50_s,svc_p99_s,"       \
	"cpu_user_s,cpu_sys_s,ctx_voluntary,ctx_involuntary,max_rss_kib,errors,digest,pace,rss_sum_kib,"       \
	"host,concbench_version,started_utc,rate_requested,client_requests,client_errors,"        \
	"client_rps,client_p50_s,client_p90_s,client_p99_s,client_max_s,body_digest,"   \
	"client_unfinished,client_idle,client_p99_uncorrected_s,kernel_stack_kib\n"

static inline int is_valid_json(const char *s)
{
	char err[128];
	int rc = json_check(s, strlen(s), err, sizeof err);
	if (rc < 0)
		print_error("%s\n%s\n", err, s);
	return rc == 0;
}

static inline res_run sample_run(void)
{
	res_run r;
	res_init(&r);
	strcpy(r.suite, "book");
	strcpy(r.model, "threads:stack=64k");
	strcpy(r.workload, "hash");
	strcpy(r.params, "algo=sha256,bytes=1024");
	r.tasks = 8;
	r.concurrency = 4;
	r.rep = 2;
	strcpy(r.status, "error: task 3: \"bad\", really");
	r.makespan_s = 1.5;
	r.throughput_per_s = 1234.5;
	r.lat_mean_s = 0.000015;
	r.lat_p50_s = 0.25;
	r.lat_p90_s = NAN;
	r.lat_p99_s = 2;
	r.lat_max_s = 123.456789012;
	r.svc_mean_s = r.svc_p50_s = r.svc_p99_s = 0.001;
	r.cpu_user_s = 0.5;
	r.cpu_sys_s = 0;
	r.ctx_voluntary = 10;
	r.ctx_involuntary = -1;
	r.max_rss_kib = 2048;
	r.errors = 1;
	r.digest = 0xdeadbeefULL;
	r.pace = 1.2341;
	r.rss_sum_kib = 4096;
	strcpy(r.host, "lab-vm");
	strcpy(r.concbench_version, "0.1.0");
	strcpy(r.started_utc, "2026-11-30T06:12:27Z");
	return r;
}

#endif
