/* Baselines (YAML, read with libyaml) and their evaluation against a
 * snapshot.  A result is pass, fail, not_applicable or unknown; unknown
 * means the data was not collected and is never counted as a pass. */
#ifndef HARDEN_RULES_H
#define HARDEN_RULES_H

#include <jansson.h>
#include <regex.h>
#include <stdbool.h>

#include "status.h"
#include "store/store.h"
#include "util/util.h"

enum op {
	OP_ALL, OP_ANY, OP_NOT,
	OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE,
	OP_IN, OP_NOT_IN, OP_MATCHES, OP_NOT_MATCHES,
	OP_CONTAINS, OP_NOT_CONTAINS, OP_EMPTY, OP_PRESENT,
	OP_VERSION_EQ, OP_VERSION_LT, OP_VERSION_LE, OP_VERSION_GT, OP_VERSION_GE,
	OP_COUNT
};

struct check {
	enum op op;
	struct check **kids;	/* all, any, not */
	unsigned nkids;
	char *property;
	enum ptype ptype;	/* from the vocabulary */
	char *value;		/* scalar operand */
	struct strlist values;	/* in, not_in */
	bool flag;		/* empty, present: the boolean operand */
	bool has_re;
	regex_t re;
	char *deflt;		/* value to assume when absent on the object */
	bool nocase;
	char *param;		/* operand is this site parameter */
	char *param_where;	/* file:line:col of the reference */
	int line;
};

/* A site parameter: a default in the baseline, overridable per target or
 * with --set. */
struct param {
	char *name;
	struct strlist values;	/* the default: one value, or a list */
	bool list;
	char *description;	/* what it means, or NULL */
	char *where;		/* file:line:col of its definition */
	/* In force after baseline_bind: the value (a list joined by commas)
	 * and where it came from: "default", "--set" or "targets file F:L:C". */
	char *force_value, *force_source;
};

struct param_override {
	const char *name;
	const char *value;	/* a list parameter splits it at commas */
	const char *source;	/* "--set", or the targets file's file:line */
};

struct rule {
	char *id;
	struct strlist aliases;	/* earlier ids of the rule: waivers and history
				 * written against them still apply */
	char *title;
	enum severity severity;
	char *object_type;
	struct check *when;	/* applicability, or NULL */
	struct check *check;	/* or, instead: */
	char *sql;		/* a read-only SQL check returning failing morefs */
	char *sql_expected;	/* what a passing object looks like, in words */
	struct strlist reads;	/* properties the SQL reads: a gap makes unknown */
	int sql_timeout_ms;
	json_t *details;	/* description, rationale, remediation, review, references */
	int line;
};

struct baseline {
	char *id;
	char *title;
	char *version;
	char *description;
	char *path;
	struct strlist parents;	/* the baselines it extends, as named */
	struct param *params;
	unsigned nparams;
	struct rule *rules;
	unsigned nrules;
};

/* Loads and validates a baseline file.  Errors read "file:line:col: reason". */
int baseline_load(struct baseline **out, const char *path);
/* The same from memory; name stands for the file in messages.  An
 * `extends:` is recorded in parents but not followed. */
int baseline_parse(struct baseline **out, const char *name, const char *text, size_t len);
void baseline_free(struct baseline *b);
/* Binds every parameter reference to its override (the last given wins) or
 * to its default, and checks the values against the properties' types.
 * baseline_load binds the defaults already. */
int baseline_bind(struct baseline *b, const struct param_override *ov, size_t n);
/* The parameters in force, as a JSON array of {name, value, source} in
 * declaration order ("[]" when none); a new string. */
char *baseline_params_json(const struct baseline *b);
bool baseline_has_param(const struct baseline *b, const char *name);
/* Fails, naming the first, when a declared parameter is read by no rule's
 * check or when (after extends are merged). */
int baseline_params_used(const struct baseline *b);

/* Adds to n what the baselines read (see needs.c); n->all is untouched. */
void baselines_needs(struct baseline *const *bl, size_t nbl, struct prop_needs *n);

/* Resolves a baseline name (or a path containing '/' or ending in .yaml)
 * to a file; returns a new string or NULL with the error set. */
char *baseline_resolve(const char *name);
/* NAME.yaml in subdir ("" or "coverage/") of the first baseline directory
 * that has it, or NULL (no error set); NULL for an unsafe name too. */
char *baseline_dir_file(const char *subdir, const char *name);
/* Directories searched for builtin and user baselines, highest priority first. */
void baseline_dirs(struct strlist *out);
/* The *.yaml files of sub (NULL: the directories themselves, "coverage":
 * their coverage/ folders) in those directories, the first of each name
 * winning, sorted by name: stems[i] is found at paths[i]. */
void baseline_catalog(const char *sub, struct strlist *stems, struct strlist *paths);

struct evidence {
	char *property;
	char *observed;
	char *expected;
};
void evidence_release(struct evidence *ev);

/* A leaf check on a value of type t, as the engine judges it. */
enum rstatus check_value(const struct check *c, enum ptype t, const char *v);
/* What a leaf expects, in words ("<= 600", "one of [a, b]"). */
char *check_describe(const struct check *c);

/* Conflicts: two rules, one from each baseline, whose required checks on
 * the same property of the same object type no value can satisfy. */
typedef void (*conflict_fn)(void *ctx, const struct rule *ra, const struct check *ca, const struct rule *rb,
			    const struct check *cb);
int baselines_conflicts(const struct baseline *a, const struct baseline *b, conflict_fn fn, void *ctx);

/* Evaluates one rule on one object. */
enum rstatus rule_eval(const struct rule *r, const struct sobject *o, struct evidence *ev);

struct eval_summary {
	long long eval_id;
	long long by_status[RS_COUNT];
	long long by_sev[RS_COUNT][SEV_COUNT];
	double ms;
};

/* Evaluates every rule of b against snapshot snap and stores the results
 * as a new evaluation of kind "scan" or "evaluate". */
struct waivers;
/* w may be NULL; its waivers are recorded with the evaluation. */
int rules_evaluate(struct store *st, long long snap, const struct baseline *b, const char *kind,
		   const struct waivers *w, const char *waiver_source, struct eval_summary *sum);

#endif
