/*
 * test_report.c - intake of proactive discovery against a real SQLite file:
 * duplicate reports (open report, open case, active enrollment, same name
 * in the same village), client_key resends, photo checks and visibility,
 * accepting (one case per report), dismissing (a reason), resident
 * self-reports (5 an hour per address), and the case rules that guard
 * handover and closing.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <sodium.h>

#include "../../src/core/arena.h"
#include "../../src/core/clock.h"
#include "../../src/core/idcard.h"
#include "../../src/domain/casework.h"
#include "../../src/domain/divisions.h"
#include "../../src/domain/perm.h"
#include "../../src/domain/registry.h"
#include "../../src/domain/report.h"
#include "../../src/core/banned.h"

#define VILLAGE "500231103201"
#define VILLAGE2 "500231103202"
#define OTHER_TOWNSHIP_VILLAGE "500231101200"

struct fixture {
	char dir[256];
	char db[300];
	struct store *s;
	struct actor sys, courier, courier2, assistant, commander;
	struct err e;
};

static int64_t add_user(struct fixture *f, const char *name, const char *role,
			const char *region)
{
	int64_t id = 0;
	if (store_int64(f->s, &id, &f->e,
			"INSERT INTO users (username, display_name, role, region_code,"
			" password_hash, created_at, updated_at) VALUES ($1, $1, $2, $3, 'x',"
			" '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z') RETURNING id",
			"sss", name, role, region) < 0)
		fail_msg("add_user: %s", f->e.message_en);
	return id;
}

static struct actor actor_of(int64_t id, const char *name, enum role role,
			     const char *region)
{
	struct actor a;
	memset(&a, 0, sizeof(a));
	a.user_id = id;
	snprintf(a.username, sizeof(a.username), "%s", name);
	a.role = role;
	snprintf(a.region, sizeof(a.region), "%s", region);
	return a;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	const char *base = getenv("CIVICARE_TEST_TMP");
	if (sodium_init() < 0)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "%s/report-XXXXXX", base && *base ? base : "/tmp");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->db, sizeof(f->db), "%s/t.db", f->dir);
	if (store_open(f->db, &f->s, &f->e) < 0 || store_migrate(f->s, NULL, &f->e) < 0 ||
	    divisions_seed(f->s, "config/divisions-500231.tsv", NULL, &f->e) < 0)
		return -1;
	perm_system_actor(&f->sys, "500231");
	clock_set_offset(0);
	f->courier = actor_of(add_user(f, "courier", "courier", VILLAGE), "courier",
			      ROLE_COURIER, VILLAGE);
	f->courier2 = actor_of(add_user(f, "courier2", "courier", VILLAGE2), "courier2",
			       ROLE_COURIER, VILLAGE2);
	f->assistant = actor_of(add_user(f, "assistant", "assistant", VILLAGE), "assistant",
				ROLE_ASSISTANT, VILLAGE);
	f->commander = actor_of(add_user(f, "commander", "commander", "500231103"),
				"commander", ROLE_COMMANDER, "500231103");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char path[400];
	store_close(f->s);
	const char *suffix[] = { "", "-wal", "-shm" };
	for (int i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s%s", f->db, suffix[i]);
		unlink(path);
	}
	rmdir(f->dir);
	free(f);
	clock_set_offset(0);
	return 0;
}

/* === helpers === */

struct person { int64_t id, household; char number[19]; };

static struct person make_person(struct fixture *f, int seq)
{
	struct person p = { 0 };
	struct household_input h = { .region_code = VILLAGE, .address = "骑龙村2组8号" };
	assert_int_equal(registry_household_create(f->s, &f->sys, &h, &p.household, &f->e), 0);
	assert_int_equal(idcard_make("500231", 1958, 3, 9, seq, p.number), 0);
	struct person_input in = { .name = "冉某某", .id_number = p.number,
				   .household_id = p.household, .relation = "self" };
	assert_int_equal(registry_person_create(f->s, &f->sys, &in, &p.id, &f->e), 0);
	return p;
}

static struct report_input basic(const char *name)
{
	struct report_input in;
	memset(&in, 0, sizeof(in));
	in.region_code = VILLAGE;
	in.subject_name = name;
	in.subject_age = -1;
	in.categories[0] = "illness";
	in.n_categories = 1;
	in.description = "独居老人，腿脚不便，近期无人照看";
	return in;
}

static int64_t create(struct fixture *f, const struct actor *a,
		      const struct report_input *in, enum report_outcome want)
{
	enum report_outcome how;
	int64_t id = 0;
	if (report_create(f->s, a, in, &id, &how, &f->e) < 0)
		fail_msg("report_create: %s [%s]", f->e.message_en, f->e.rule);
	assert_int_equal(how, want);
	return id;
}

static int64_t count(struct fixture *f, const char *sql, int64_t arg)
{
	int64_t n = -1;
	assert_int_equal(store_int64(f->s, &n, &f->e, sql, "i", arg), 0);
	return n;
}

static json_t *rendered(struct fixture *f, int64_t id)
{
	json_t *o = NULL;
	assert_int_equal(report_render(f->s, id, &o, &f->e), 0);
	return o;
}

static void assert_duplicate(struct fixture *f, int64_t id, const char *kind,
			     int64_t of)
{
	json_t *o = rendered(f, id);
	json_t *d = json_object_get(o, "duplicate_of");
	assert_string_equal(json_string_value(json_object_get(o, "status")), "merged");
	assert_string_equal(json_string_value(json_object_get(d, "kind")), kind);
	assert_int_equal(json_integer_value(json_object_get(d, "id")), of);
	json_decref(o);
}

/* === duplicates === */

static void test_a_person_with_an_open_report_gets_the_new_report_merged_into_it(void **state)
{
	struct fixture *f = *state;
	struct person p = make_person(f, 11);
	struct report_input in = basic("冉某某");
	in.person_id = p.id;
	int64_t first = create(f, &f->courier, &in, REPORT_CREATED);
	/* The second reporter names the same person by ID number instead. */
	struct report_input again = basic("冉某某");
	again.subject_id_number = p.number;
	int64_t second = create(f, &f->assistant, &again, REPORT_MERGED);
	assert_int_not_equal(first, second);
	assert_duplicate(f, second, "report", first);
	json_t *o = rendered(f, second);
	/* The ID number is shown masked, never in full. */
	assert_string_not_equal(json_string_value(json_object_get(o, "subject_id_number")),
				p.number);
	assert_int_equal(json_integer_value(json_object_get(o, "person_id")), p.id);
	json_decref(o);
}

static void test_a_person_with_an_open_case_gets_the_new_report_merged_into_the_case(void **state)
{
	struct fixture *f = *state;
	struct person p = make_person(f, 13);
	struct report_input in = basic("冉某某");
	in.person_id = p.id;
	int64_t first = create(f, &f->courier, &in, REPORT_CREATED), case_id = 0;
	assert_int_equal(report_accept(f->s, &f->assistant, first, &case_id, &f->e), 0);
	int64_t second = create(f, &f->courier, &in, REPORT_MERGED);
	assert_duplicate(f, second, "case", case_id);
}

static void test_a_household_with_an_active_enrollment_gets_the_new_report_merged(void **state)
{
	struct fixture *f = *state;
	struct person p = make_person(f, 15);
	int64_t enrollment = 0;
	assert_int_equal(store_int64(f->s, &enrollment, &f->e,
		"INSERT INTO enrollments (household_id, person_id, region_code, program,"
		" amount_fen, start_month, status, created_at, updated_at)"
		" VALUES ($1, $2, $3, 'dibao', 51500, '2026-01', 'active',"
		" '2026-01-05T00:00:00Z', '2026-01-05T00:00:00Z') RETURNING id",
		"iis", p.household, p.id, VILLAGE), 0);
	struct report_input in = basic("冉某某");
	in.subject_id_number = p.number;
	int64_t id = create(f, &f->courier, &in, REPORT_MERGED);
	assert_duplicate(f, id, "enrollment", enrollment);
	/* An exited enrollment covers nothing. */
	assert_int_equal(store_execv(f->s, &f->e, "UPDATE enrollments SET status = 'exited'"
				     " WHERE id = $1", "i", enrollment), 0);
	create(f, &f->courier, &in, REPORT_CREATED);
}

static void test_without_a_person_the_same_name_in_the_same_village_is_a_duplicate(void **state)
{
	struct fixture *f = *state;
	struct report_input in = basic("无名老人");
	int64_t first = create(f, &f->courier, &in, REPORT_CREATED);
	int64_t second = create(f, &f->assistant, &in, REPORT_MERGED);
	assert_duplicate(f, second, "report", first);
	/* The same name in another village is someone else. */
	in.region_code = VILLAGE2;
	create(f, &f->courier2, &in, REPORT_CREATED);
}

/* === resending === */

static void test_the_same_client_key_from_the_same_reporter_answers_the_first_report(void **state)
{
	struct fixture *f = *state;
	struct report_input in = basic("张某");
	in.client_key = "phone-7f3a-0001";
	int64_t first = create(f, &f->courier, &in, REPORT_CREATED);
	int64_t again = create(f, &f->courier, &in, REPORT_RESENT);
	assert_int_equal(again, first);
	assert_int_equal(count(f, "SELECT count(*) FROM reports WHERE id >= $1", 0), 1);
	/* Another reporter's key is their own. */
	in.subject_name = "李某";
	int64_t other = create(f, &f->assistant, &in, REPORT_CREATED);
	assert_int_not_equal(other, first);
}

/* === validation === */

static void test_each_invalid_field_is_named(void **state)
{
	struct fixture *f = *state;
	enum report_outcome how;
	int64_t id;
	char long_name[97];
	struct report_input in = basic("张某");

	in.region_code = OTHER_TOWNSHIP_VILLAGE;
	assert_int_equal(report_create(f->s, &f->courier, &in, &id, &how, &f->e), ERR_FORBIDDEN);
	assert_string_equal(f->e.field, "region_code");

	in = basic("张某");
	in.region_code = "500231103";
	assert_int_equal(report_create(f->s, &f->courier, &in, &id, &how, &f->e), ERR_INVALID);
	assert_string_equal(f->e.field, "region_code");

	memset(long_name, 'a', 96);
	long_name[96] = '\0';
	in = basic(long_name);
	assert_int_equal(report_create(f->s, &f->courier, &in, &id, &how, &f->e), ERR_INVALID);
	assert_string_equal(f->e.field, "subject_name");
	long_name[95] = '\0';
	in = basic(long_name);
	assert_int_equal(report_create(f->s, &f->courier, &in, &id, &how, &f->e), 0);

	in = basic("张某");
	in.categories[0] = "poverty";
	assert_int_equal(report_create(f->s, &f->courier, &in, &id, &how, &f->e), ERR_INVALID);
	assert_string_equal(f->e.field, "categories");

	in = basic("张某");
	in.subject_id_number = "500231195803090011";  /* wrong check character */
	assert_int_equal(report_create(f->s, &f->courier, &in, &id, &how, &f->e), ERR_INVALID);
	assert_string_equal(f->e.field, "subject_id_number");

	in = basic("张某");
	in.photos[0] = "ab";
	in.n_photos = 1;
	assert_int_equal(report_create(f->s, &f->courier, &in, &id, &how, &f->e), ERR_INVALID);
	assert_string_equal(f->e.field, "photos");
}

static void test_numbers_may_be_integers_or_reals_within_their_ranges(void **state)
{
	struct fixture *f = *state;
	struct report_input in;
	json_t *body = json_pack("{s:s, s:s, s:[s], s:s, s:i, s:f, s:i}",
				 "region_code", VILLAGE, "subject_name", "张某",
				 "categories", "illness", "description", "x",
				 "latitude", 30, "longitude", 107.35, "accuracy_m", 12);
	assert_int_equal(report_input_from_json(body, 0, &in, &f->e), 0);
	assert_true(in.has_location && in.has_accuracy);
	json_object_set_new(body, "latitude", json_real(90.5));
	assert_int_equal(report_input_from_json(body, 0, &in, &f->e), ERR_INVALID);
	assert_string_equal(f->e.field, "latitude");
	json_object_del(body, "latitude");
	assert_int_equal(report_input_from_json(body, 0, &in, &f->e), ERR_INVALID);
	assert_string_equal(f->e.field, "latitude");
	json_object_set_new(body, "latitude", json_integer(30));
	json_object_set_new(body, "subject_age", json_integer(131));
	assert_int_equal(report_input_from_json(body, 0, &in, &f->e), ERR_INVALID);
	assert_string_equal(f->e.field, "subject_age");
	json_object_set_new(body, "subject_age", json_integer(80));
	json_object_set_new(body, "colour", json_string("red"));
	assert_int_equal(report_input_from_json(body, 0, &in, &f->e), ERR_INVALID);
	assert_string_equal(f->e.rule, "unknown_field");
	json_decref(body);
}

/* === photos === */

static const unsigned char jpeg[] = { 0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, 'J', 'F', 'I', 'F', 0 };
static const unsigned char png[] = { 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13 };

static void test_a_photo_is_judged_by_its_bytes_and_the_type_sent_must_agree(void **state)
{
	struct fixture *f = *state;
	struct photo_info a, b;
	const unsigned char text[] = "<html>not a photo</html>";

	assert_int_equal(photo_store(f->s, &f->courier, text, sizeof(text), "image/jpeg",
				     &a, &f->e), ERR_MEDIA_TYPE);
	assert_string_equal(f->e.rule, "not_image");
	assert_int_equal(photo_store(f->s, &f->courier, png, sizeof(png), "image/jpeg",
				     &a, &f->e), ERR_MEDIA_TYPE);
	assert_string_equal(f->e.rule, "type_mismatch");
	assert_int_equal(photo_store(f->s, &f->courier, png, sizeof(png), "image/png",
				     &a, &f->e), 0);
	assert_string_equal(a.mime, "image/png");
	assert_int_equal(strlen(a.sha256), 64);
	/* The same bytes again are the same photo, stored once. */
	assert_int_equal(photo_store(f->s, &f->courier, png, sizeof(png), "image/PNG; x=1",
				     &b, &f->e), 0);
	assert_string_equal(a.sha256, b.sha256);
	assert_int_equal(count(f, "SELECT count(*) FROM blobs WHERE bytes > $1", 0), 1);
}

static int can_see(struct fixture *f, const struct actor *a, const char *sha)
{
	struct arena arena = ARENA_INIT;
	const void *bytes = NULL;
	size_t len = 0;
	char mime[16];
	int rc = photo_get(f->s, a, sha, &arena, &bytes, &len, mime, &f->e);
	if (rc == 0)
		assert_memory_equal(bytes, jpeg, sizeof(jpeg));
	arena_release(&arena);
	if (rc < 0)
		assert_int_equal(rc, ERR_NOT_FOUND);
	return rc == 0;
}

static void test_a_photo_is_seen_by_its_uploader_and_whoever_sees_a_report_naming_it(void **state)
{
	struct fixture *f = *state;
	struct photo_info p;
	assert_int_equal(photo_store(f->s, &f->courier, jpeg, sizeof(jpeg), "image/jpeg",
				     &p, &f->e), 0);
	assert_true(can_see(f, &f->courier, p.sha256));
	assert_false(can_see(f, &f->assistant, p.sha256));
	assert_false(can_see(f, &f->courier2, p.sha256));

	struct report_input in = basic("张某");
	in.photos[0] = p.sha256;
	in.n_photos = 1;
	create(f, &f->courier, &in, REPORT_CREATED);
	assert_true(can_see(f, &f->assistant, p.sha256));
	assert_true(can_see(f, &f->commander, p.sha256));
	/* The neighbouring village's courier still cannot. */
	assert_false(can_see(f, &f->courier2, p.sha256));
	/* A photo nobody uploaded is not named in a report. */
	in.photos[0] = "0000000000000000000000000000000000000000000000000000000000000000";
	enum report_outcome how;
	int64_t id;
	assert_int_equal(report_create(f->s, &f->courier, &in, &id, &how, &f->e), ERR_INVALID);
	assert_string_equal(f->e.rule, "unknown_photo");
}

/* === triage === */

static void test_accepting_opens_exactly_one_case_owned_by_the_assistant(void **state)
{
	struct fixture *f = *state;
	struct person p = make_person(f, 17);
	struct report_input in = basic("冉某某");
	in.person_id = p.id;
	int64_t id = create(f, &f->courier, &in, REPORT_CREATED), case_id = 0, again = 0;
	struct case_row c;

	/* A courier may report, not triage. */
	assert_int_equal(report_accept(f->s, &f->courier, id, &case_id, &f->e), ERR_FORBIDDEN);
	assert_int_equal(report_accept(f->s, &f->assistant, id, &case_id, &f->e), 0);
	assert_int_equal(report_accept(f->s, &f->assistant, id, &again, &f->e), ERR_CONFLICT);
	assert_string_equal(f->e.rule, "transition");
	assert_int_equal(count(f, "SELECT count(*) FROM cases WHERE report_id = $1", id), 1);

	assert_int_equal(casework_load(f->s, case_id, &c, &f->e), 0);
	assert_string_equal(c.state, "open");
	assert_int_equal(c.owner_user_id, f->assistant.user_id);
	assert_int_equal(c.person_id, p.id);
	assert_int_equal(c.household_id, p.household);
	json_t *o = rendered(f, id);
	assert_string_equal(json_string_value(json_object_get(o, "status")), "accepted");
	assert_int_equal(json_integer_value(json_object_get(o, "case_id")), case_id);
	json_decref(o);
	/* The owner is told, in the same transaction. */
	assert_int_equal(count(f, "SELECT count(*) FROM outbox WHERE kind = 'case.assigned'"
			       " AND recipients = '{\"user_ids\":[' || $1 || ']}'",
			       f->assistant.user_id), 1);
	assert_int_equal(count(f, "SELECT count(*) FROM outbox WHERE kind = 'case.assigned'"
			       " AND link = '/cases/' || $1", case_id), 1);
	assert_int_equal(count(f, "SELECT count(*) FROM events WHERE entity = 'case'"
			       " AND entity_id = $1 AND action = 'create'", case_id), 1);
}

static void test_dismissing_needs_a_reason_and_keeps_it(void **state)
{
	struct fixture *f = *state;
	struct report_input in = basic("张某");
	int64_t id = create(f, &f->courier, &in, REPORT_CREATED);

	assert_int_equal(report_dismiss(f->s, &f->assistant, id, NULL, &f->e), ERR_INVALID);
	assert_string_equal(f->e.field, "reason");
	assert_int_equal(report_dismiss(f->s, &f->assistant, id, "   ", &f->e), ERR_INVALID);
	assert_int_equal(report_dismiss(f->s, &f->assistant, id, "经核实已外出务工，家庭收入稳定",
					&f->e), 0);
	json_t *o = rendered(f, id);
	assert_string_equal(json_string_value(json_object_get(o, "status")), "dismissed");
	assert_string_equal(json_string_value(json_object_get(o, "dismiss_reason")),
			    "经核实已外出务工，家庭收入稳定");
	json_decref(o);
	/* Nothing leaves a terminal state: the 409 lists no action. */
	assert_int_equal(report_refuse_action(f->s, &f->assistant, id, "accept", &f->e),
			 ERR_CONFLICT);
	assert_string_equal(f->e.allowed, "");
}

static void test_a_report_outside_the_region_is_not_found(void **state)
{
	struct fixture *f = *state;
	struct report_input in = basic("张某");
	int64_t id = create(f, &f->courier, &in, REPORT_CREATED);
	json_t *o = NULL;
	assert_int_equal(report_get(f->s, &f->courier2, id, &o, &f->e), ERR_NOT_FOUND);
	assert_int_equal(report_get(f->s, &f->commander, id, &o, &f->e), 0);
	assert_true(json_array_size(json_object_get(o, "actions")) == 2);
	json_decref(o);
}

/* === resident self-reports === */

static void test_residents_may_send_five_reports_an_hour_from_one_address(void **state)
{
	struct fixture *f = *state;
	struct report_input in = basic("王某");
	int64_t id = 0;
	in.contact_phone = "13800001234";
	for (int i = 0; i < REPORT_PUBLIC_PER_HOUR; i++)
		assert_int_equal(report_public_create(f->s, "203.0.113.9", &in, &id, &f->e), 0);
	assert_int_equal(report_public_create(f->s, "203.0.113.9", &in, &id, &f->e),
			 ERR_RATE_LIMITED);
	assert_string_equal(f->e.rule, "rate_limited");
	assert_true(f->e.retry_after > 0 && f->e.retry_after <= 3600);
	/* Another address is not held back. */
	assert_int_equal(report_public_create(f->s, "198.51.100.7", &in, &id, &f->e), 0);
	/* An hour later the first address may send again. */
	clock_set_offset(3601);
	assert_int_equal(report_public_create(f->s, "203.0.113.9", &in, &id, &f->e), 0);

	json_t *o = rendered(f, id);
	assert_string_equal(json_string_value(json_object_get(o, "source")), "resident");
	assert_string_equal(json_string_value(json_object_get(o, "status")), "unverified");
	assert_true(json_is_null(json_object_get(o, "reporter")));
	json_decref(o);
	assert_int_equal(count(f, "SELECT count(*) FROM reports WHERE source = 'resident'"
			       " AND reporter_user_id IS NULL AND id > $1", 0), 7);
}

static void test_a_resident_must_leave_a_phone_number(void **state)
{
	struct fixture *f = *state;
	struct report_input in;
	json_t *body = json_pack("{s:s, s:s, s:[s], s:s}", "region_code", VILLAGE,
				 "subject_name", "王某", "categories", "disaster",
				 "description", "房屋被洪水冲毁");
	assert_int_equal(report_input_from_json(body, 1, &in, &f->e), ERR_INVALID);
	assert_string_equal(f->e.field, "contact_phone");
	json_object_set_new(body, "person_id", json_integer(1));
	json_object_set_new(body, "contact_phone", json_string("13800001234"));
	assert_int_equal(report_input_from_json(body, 1, &in, &f->e), ERR_INVALID);
	assert_string_equal(f->e.rule, "unknown_field");
	json_decref(body);
}

/* === cases === */

static int64_t open_case(struct fixture *f, const char *name)
{
	struct report_input in = basic(name);
	int64_t id = create(f, &f->courier, &in, REPORT_CREATED), case_id = 0;
	assert_int_equal(report_accept(f->s, &f->assistant, id, &case_id, &f->e), 0);
	return case_id;
}

static void test_a_case_cannot_close_while_a_referral_waits(void **state)
{
	struct fixture *f = *state;
	int64_t c = open_case(f, "赵某");
	assert_int_equal(store_execv(f->s, &f->e,
		"INSERT INTO referrals (case_id, region_code, program, department, procedure,"
		" status, rules, due_date, created_at, updated_at) VALUES ($1, $2, 'medical',"
		" 'medical_security', 'simple', 'pending', '[]', '2026-02-01',"
		" '2026-01-05T00:00:00Z', '2026-01-05T00:00:00Z')", "is", c, VILLAGE), 0);
	assert_int_equal(case_close(f->s, &f->assistant, c, NULL, &f->e), ERR_INVALID);
	assert_string_equal(f->e.field, "reason");
	assert_int_equal(case_close(f->s, &f->assistant, c, "已纳入救助", &f->e), ERR_CONFLICT);
	assert_string_equal(f->e.rule, "referrals_open");
	assert_int_equal(store_execv(f->s, &f->e, "UPDATE referrals SET status = 'approved'"
				     " WHERE case_id = $1", "i", c), 0);
	assert_int_equal(case_close(f->s, &f->assistant, c, "已纳入救助", &f->e), 0);
}

static void test_a_case_is_handed_over_only_to_an_assistant_of_its_township(void **state)
{
	struct fixture *f = *state;
	int64_t c = open_case(f, "钱某");
	int64_t near = add_user(f, "asst2", "assistant", VILLAGE);
	int64_t far = add_user(f, "asst101", "assistant", OTHER_TOWNSHIP_VILLAGE);
	struct case_row row;

	assert_int_equal(case_handover(f->s, &f->assistant, c, far, NULL, &f->e), ERR_INVALID);
	assert_string_equal(f->e.rule, "out_of_region");
	assert_int_equal(case_handover(f->s, &f->assistant, c, f->courier.user_id, NULL, &f->e),
			 ERR_INVALID);
	assert_string_equal(f->e.rule, "not_assistant");
	assert_int_equal(case_handover(f->s, &f->assistant, c, near, NULL, &f->e), 0);
	assert_int_equal(casework_load(f->s, c, &row, &f->e), 0);
	assert_int_equal(row.owner_user_id, near);
	/* No longer the owner: the first assistant may not hand it on. */
	assert_int_equal(case_handover(f->s, &f->assistant, c, near, NULL, &f->e), ERR_FORBIDDEN);
	/* The commander reassigns inside the township. */
	assert_int_equal(case_reassign(f->s, &f->commander, c, f->assistant.user_id, "休假",
				       &f->e), 0);
	assert_int_equal(count(f, "SELECT count(*) FROM outbox WHERE kind = 'case.assigned'"
			       " AND link = '/cases/' || $1", c), 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_a_person_with_an_open_report_gets_the_new_report_merged_into_it, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_person_with_an_open_case_gets_the_new_report_merged_into_the_case, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_household_with_an_active_enrollment_gets_the_new_report_merged, setup, teardown),
		cmocka_unit_test_setup_teardown(test_without_a_person_the_same_name_in_the_same_village_is_a_duplicate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_the_same_client_key_from_the_same_reporter_answers_the_first_report, setup, teardown),
		cmocka_unit_test_setup_teardown(test_each_invalid_field_is_named, setup, teardown),
		cmocka_unit_test_setup_teardown(test_numbers_may_be_integers_or_reals_within_their_ranges, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_photo_is_judged_by_its_bytes_and_the_type_sent_must_agree, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_photo_is_seen_by_its_uploader_and_whoever_sees_a_report_naming_it, setup, teardown),
		cmocka_unit_test_setup_teardown(test_accepting_opens_exactly_one_case_owned_by_the_assistant, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dismissing_needs_a_reason_and_keeps_it, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_report_outside_the_region_is_not_found, setup, teardown),
		cmocka_unit_test_setup_teardown(test_residents_may_send_five_reports_an_hour_from_one_address, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_resident_must_leave_a_phone_number, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_case_cannot_close_while_a_referral_waits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_case_is_handed_over_only_to_an_assistant_of_its_township, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
