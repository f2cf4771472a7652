/* Integration-test helpers: a vCenter lab process on a free loopback port,
 * the real harden binary run against it, and SOAP changes to the lab. */
#ifndef HARDEN_TEST_LAB_H
#define HARDEN_TEST_LAB_H

#include <jansson.h>
#include <stdbool.h>
#include <sys/types.h>

#include "vcenter/vc.h"

#define LAB_USER "harden"
#define LAB_PASSWORD "lab-secret-pw"
#define NSX_LAB_USER "nsx-auditor"
#define NSX_LAB_PASSWORD "nsx-lab-pw!&="

struct lab {
	pid_t pid;
	char *dir;		/* scratch: targets.yaml, password file, twin.db */
	char *url;		/* http://127.0.0.1:PORT/sdk */
	char *base;		/* http://127.0.0.1:PORT */
	char *config;
	char *db;
	char *cert;		/* with tls: the server certificate */
	/* The NSX lab, once lab_start_nsx started it. */
	pid_t nsx_pid;
	char *nsx_url;		/* http://127.0.0.1:PORT */
	char *nsx_cert;
	char *nsx_section;	/* the targets file's nsx: block */
};

/* Starts the lab with extra flags (NULL-terminated) and writes a targets
 * file naming it as target "lab". */
void lab_start(struct lab *l, const char *const *flags);
void lab_stop(struct lab *l);
/* Rewrites the targets file: target "lab" with the given vcenter keys
 * appended after url/user (e.g. "password_file: pw\n"). */
void lab_config(struct lab *l, const char *url, const char *extra);

/* Starts the NSX Policy API lab beside the vCenter lab and adds it to
 * target "lab" (session auth); lab_stop stops both. */
void lab_start_nsx(struct lab *l, const char *const *flags);
/* Rewrites the target's nsx: block with extra keys (e.g. "      auth: basic\n"). */
void lab_config_nsx(struct lab *l, const char *extra);
/* An HTTP request to the NSX lab with Basic auth; returns the body. */
char *nsx_request(struct lab *l, const char *method, const char *path, const char *body, long *status);
/* PATCH path (under /policy/api/v1) with a JSON body, asserting success. */
void nsx_patch(struct lab *l, const char *path, const char *json);
/* POST to the NSX lab's control API, e.g. "/lab/fail?status=429&count=3". */
void nsx_control(struct lab *l, const char *path);
long long nsx_stat(struct lab *l, const char *key);

struct run {
	int status;	/* exit code, or 128 + signal */
	char *out;
	char *err;
};
/* The harden binary under test ($HARDEN_BIN, else build/harden). */
const char *harden_bin(void);
/* Runs build/harden with --db and --config of the lab, then args. */
void harden_run(struct lab *l, struct run *r, const char *const *args);
void run_release(struct run *r);
/* The same with writes capped at fsize bytes a file (RLIMIT_FSIZE, SIGXFSZ
 * ignored), as a full disk would refuse them. */
void harden_run_limited(struct lab *l, struct run *r, const char *const *args, long fsize);

/* A SOAP session with the lab, for changing state as vCenter allows. */
struct vc *lab_session(struct lab *l);
/* Sends a SOAP body and asserts success; returns nothing. */
void lab_soap(struct vc *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Waits for a task returned by the last call to finish (ReconfigVM_Task). */
void lab_soap_task(struct vc *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Looks up a managed object by inventory name, e.g. ("HostSystem", "DC0_C0_H0"). */
char *lab_moref(struct vc *v, const char *type, const char *name);
/* A host's configManager child, e.g. "advancedOption", "serviceSystem". */
char *lab_host_manager(struct vc *v, const char *host_moref, const char *which);
/* The first column of the first row sql gives on the lab's twin (read
 * only), with id bound to its parameter if it has one; NULL when no row. */
char *lab_sql_text(struct lab *l, const char *sql, long long id);
/* A counter from the lab's GET /lab/stats, e.g. "logins". */
long long lab_stat(struct lab *l, const char *key);
/* The whole of GET /lab/stats (requested_paths: every Type.path asked for). */
json_t *lab_stats(struct lab *l);
/* POST to the lab's control endpoint, e.g. "/lab/reset-faults". */
void lab_control(struct lab *l, const char *path);

/* Counts findings in a JSON report with the given rule, status (and object name, or NULL). */
int json_count(const char *json, const char *rule, const char *status, const char *object);
/* Adds to seen, rule id -> { status: true }, the statuses each rule of a
 * parsed JSON report had. */
void json_rule_statuses(json_t *seen, json_t *report);
/* The same, matching the object's moref (an NSX path for DFW objects). */
int json_count_moref(const char *json, const char *rule, const char *status, const char *moref);
/* The events of a parsed `harden drift --format json` document as sorted
 * lines: "KIND NAME RULE BASELINE/ OLD->NEW", "KIND NAME PROPERTY OLD->NEW"
 * or "KIND TYPE ID"; the NSX manager is named by its id, not its URL. */
char *drift_event_lines(json_t *drift);

#endif
