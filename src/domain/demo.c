/*
 * demo.c - the synthetic Dianjiang county (civicare demo).
 *
 * Design: one private xoshiro256** generator, seeded through splitmix64,
 * draws everything in one fixed order, so a seed always gives the same
 * households and persons (ages are counted back from 1 January of the
 * current year, so the data stay plausible as years pass and a seed gives
 * byte-identical persons all year).  A household is drawn in three steps:
 * where (a village or community, weighted so the two streets' communities
 * are the largest), what shape (single elderly, couple with children, three
 * generations, left-behind grandparents with grandchildren, ...; shares
 * differ between town and country), then who (ages that fit: a parent 20-45
 * years older than a child, spouses close in age).  Each person then gets a
 * name, an ID number, a phone if adult, and by age some chance of
 * disability, illness and reduced capacity to work.
 *
 * ID numbers are unique by construction: with the region fixed, a number is
 * (birth date, sequence), so a bitmap over (day, sequence) is an exact set.
 *
 * Speed: everything goes in one write transaction through three prepared
 * statements reused with reset (driver calls through s->ops), and one audit
 * entry for the whole run, not one per row.  Then one account per role
 * (plus a second courier) through account_create, in the same transaction.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sodium.h>
#include "demo.h"
#include "account.h"
#include "audit.h"
#include "divisions.h"
#include "finding.h"
#include "perm.h"
#include "../core/clock.h"
#include "../core/idcard.h"
#include "../core/limits.h"
#include "../core/banned.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define MAX_AGE 100
#define MAX_MEMBERS 12
#define COUNTY "500231"

/* === the generator === */

struct rng {
	uint64_t s[4];
};

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9E3779B97F4A7C15ULL);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

static void rng_seed(struct rng *r, uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&seed);
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static uint64_t rng_next(struct rng *r)
{
	uint64_t *s = r->s;
	uint64_t result = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

/* 0..n-1 (n > 0); the modulo bias is below 2^-40 for our n. */
static int64_t rng_below(struct rng *r, int64_t n)
{
	return (int64_t)(rng_next(r) % (uint64_t)n);
}

static int rng_range(struct rng *r, int lo, int hi)
{
	return lo + (int)rng_below(r, (int64_t)hi - lo + 1);
}

/* True with probability permille/1000. */
static int rng_chance(struct rng *r, int permille)
{
	return rng_below(r, 1000) < permille;
}

struct weighted {
	const char *value;
	int weight;
};

static const char *rng_weighted(struct rng *r, const struct weighted *w,
				size_t n)
{
	int total = 0, pick;
	for (size_t i = 0; i < n; i++)
		total += w[i].weight;
	pick = (int)rng_below(r, total);
	for (size_t i = 0; i < n; i++) {
		if (pick < w[i].weight)
			return w[i].value;
		pick -= w[i].weight;
	}
	return w[n - 1].value;
}

/* === names === */

/* Surnames with rough shares in Chongqing (most common first). */
static const struct weighted surnames[] = {
	{ "李", 75 }, { "王", 70 }, { "陈", 65 }, { "张", 60 }, { "刘", 60 },
	{ "杨", 45 }, { "周", 28 }, { "黄", 25 }, { "何", 25 }, { "罗", 22 },
	{ "赵", 20 }, { "吴", 20 }, { "唐", 20 }, { "胡", 18 }, { "邓", 18 },
	{ "彭", 15 }, { "谢", 14 }, { "曾", 14 }, { "徐", 12 }, { "袁", 12 },
	{ "蒋", 12 }, { "谭", 12 }, { "孙", 10 }, { "朱", 10 }, { "郭", 10 },
	{ "肖", 10 }, { "田", 10 }, { "余", 10 }, { "马", 8 }, { "高", 8 },
	{ "林", 8 }, { "郑", 8 }, { "冯", 8 }, { "曹", 8 }, { "杜", 8 },
	{ "廖", 8 }, { "熊", 8 }, { "向", 8 }, { "任", 7 }, { "梁", 6 },
	{ "宋", 6 }, { "许", 6 }, { "董", 6 }, { "石", 6 }, { "付", 6 },
	{ "邹", 6 }, { "秦", 6 }, { "冉", 6 }, { "代", 6 }, { "程", 5 },
	{ "魏", 5 }, { "范", 5 }, { "夏", 5 }, { "雷", 5 }, { "龚", 5 },
	{ "韩", 4 }, { "潘", 4 }, { "蔡", 4 }, { "叶", 4 }, { "苏", 4 },
	{ "吕", 4 }, { "丁", 4 }, { "姚", 4 }, { "卢", 4 }, { "钟", 4 },
	{ "姜", 4 }, { "戴", 4 }, { "邱", 4 }, { "江", 4 }, { "尹", 4 },
	{ "段", 4 }, { "龙", 4 }, { "黎", 4 }, { "陶", 4 }, { "贺", 4 },
	{ "毛", 4 }, { "万", 4 }, { "喻", 4 }, { "文", 4 }, { "牟", 4 },
	{ "沈", 3 }, { "傅", 3 }, { "汪", 3 }, { "贾", 3 }, { "方", 3 },
	{ "白", 3 }, { "侯", 3 }, { "严", 3 }, { "游", 3 }, { "蒲", 3 },
	{ "崔", 2 }, { "陆", 2 }, { "金", 2 }, { "韦", 2 }, { "孟", 2 },
	{ "薛", 2 }, { "史", 2 }, { "邵", 2 }, { "覃", 2 }, { "武", 2 },
	{ "钱", 2 }, { "莫", 2 }, { "况", 2 }, { "庞", 2 }, { "鲜", 1 },
	{ "幸", 1 }, { "郝", 1 }, { "顾", 1 }, { "孔", 1 }, { "闫", 1 },
};

static const char *const male_older[] = {
	"国", "建", "明", "华", "德", "忠", "军", "平", "福", "贵", "文", "成",
	"强", "志", "永", "学", "光", "伟", "勇", "清", "洪", "全", "昌", "祥",
	"富", "贤", "荣", "才", "海", "林", "中", "孝", "元", "发", "金", "安",
	"正", "良", "树", "辉",
};
static const char *const male_younger[] = {
	"浩", "宇", "子", "轩", "俊", "杰", "博", "睿", "鑫", "晨", "涛", "鹏",
	"磊", "宁", "航", "逸", "泽", "然", "鸿", "哲", "凯", "翔", "一", "皓",
	"天", "煜", "铭", "锦", "阳", "嘉", "诚", "毅", "晓", "东", "峰", "斌",
};
static const char *const female_older[] = {
	"秀", "英", "兰", "芳", "珍", "桂", "玉", "凤", "琼", "淑", "华", "素",
	"翠", "莲", "梅", "菊", "群", "碧", "琴", "春", "霞", "慧", "云", "会",
	"美", "红", "蓉", "萍", "明", "丽",
};
static const char *const female_younger[] = {
	"欣", "怡", "雨", "涵", "梓", "萱", "诗", "思", "佳", "婷", "雪", "静",
	"丽", "悦", "可", "雅", "琪", "馨", "妍", "梦", "晨", "瑶", "娜", "倩",
	"璐", "颖", "紫", "若", "一", "语",
};

static const char *given_char(struct rng *r, char sex, int birth_year)
{
	/* Names changed around 1980-1995: older lists before, newer after. */
	int younger = birth_year >= 1995 ? 1
		    : birth_year < 1980 ? 0 : (int)rng_below(r, 2);
	if (sex == 'M')
		return younger ? male_younger[rng_below(r, COUNT(male_younger))]
			       : male_older[rng_below(r, COUNT(male_older))];
	return younger ? female_younger[rng_below(r, COUNT(female_younger))]
		       : female_older[rng_below(r, COUNT(female_older))];
}

static void make_name(struct rng *r, const char *surname, char sex,
		      int birth_year, char *out, size_t size)
{
	const char *a = given_char(r, sex, birth_year);
	if (rng_chance(r, birth_year < 1980 ? 300 : 200)) {
		snprintf(out, size, "%s%s", surname, a);
		return;
	}
	snprintf(out, size, "%s%s%s", surname, a, given_char(r, sex, birth_year));
}

static const char *new_surname(struct rng *r)
{
	return rng_weighted(r, surnames, COUNT(surnames));
}

/* === families === */

struct member {
	const char *relation;
	char sex;
	int age;              /* whole years on 1 January of this year */
	const char *surname;
};

struct family {
	struct member m[MAX_MEMBERS];
	int n;
};

static void add(struct family *f, const char *relation, char sex, int age,
		const char *surname)
{
	if (f->n == MAX_MEMBERS)
		return;
	if (age > MAX_AGE)
		age = MAX_AGE;
	f->m[f->n++] = (struct member){ relation, sex, age < 0 ? 0 : age, surname };
}

static char other_sex(char sex)
{
	return sex == 'M' ? 'F' : 'M';
}

/* 60-98, more of the younger old: the minimum of two uniform draws. */
static int elder_age(struct rng *r)
{
	int a = rng_range(r, 0, 38), b = rng_range(r, 0, 38);
	return 60 + (a < b ? a : b);
}

/* A spouse a few years younger (wife) or older (husband) than age. */
static int spouse_age(struct rng *r, int age, char spouse_sex)
{
	int gap = rng_range(r, -3, 7);
	int s = spouse_sex == 'F' ? age - gap : age + gap;
	if (s < 20)
		s = 20;
	return s > MAX_AGE ? MAX_AGE : s;
}

/* The ages a child of both parents can have (pb < 0: one parent): 20-45
 * years younger than each, within min_age..max_age.  *hi < *lo: none. */
static void child_range(int pa, int pb, int min_age, int max_age, int *lo,
			int *hi)
{
	int older = pb > pa ? pb : pa, younger = pb >= 0 && pb < pa ? pb : pa;
	*lo = older - 45 < min_age ? min_age : older - 45;
	*hi = younger - 20 > max_age ? max_age : younger - 20;
}

/* One child's age, or -1 when none fits. */
static int child_age(struct rng *r, int pa, int pb, int min_age, int max_age)
{
	int lo, hi;
	child_range(pa, pb, min_age, max_age, &lo, &hi);
	return hi < lo ? -1 : rng_range(r, lo, hi);
}

/* An age in lo..hi at least two years from each sibling already drawn
 * (ages[0..n-1]); -1 when a few draws find none.  With mother >= 0 the age
 * follows her age at the birth (mostly 22-36, as in the census) when that
 * fits the range. */
static int spaced_age(struct rng *r, int mother, int lo, int hi,
		      const int *ages, int n)
{
	if (hi < lo)
		return -1;
	for (int tries = 0; tries < 4; tries++) {
		int gap = 22 + (rng_range(r, 0, 14) + rng_range(r, 0, 14)) / 2;
		int age = mother - gap, fits = 1;
		if (mother < 0 || age < lo || age > hi)
			age = rng_range(r, lo, hi);
		for (int i = 0; i < n && fits; i++)
			fits = abs(ages[i] - age) >= 2;
		if (fits)
			return age;
	}
	return -1;
}

/* 1-3 children of (pa, pb) who live at home, with the given surname. */
static void add_children(struct rng *r, struct family *f, int pa, int pb,
			 int max_kids, const char *surname,
			 const char *relation)
{
	int kids = 1 + (rng_chance(r, 450) ? 1 : 0), ages[3], n = 0, lo, hi;
	if (kids == 2 && max_kids > 2 && rng_chance(r, 250))
		kids = 3;
	if (kids > max_kids)
		kids = max_kids;
	child_range(pa, pb, 0, 28, &lo, &hi);
	for (int i = 0; i < kids; i++) {
		int age = spaced_age(r, pb >= 0 && pb < pa ? pb : pa, lo, hi,
				     ages, n);
		if (age < 0)
			continue;
		ages[n++] = age;
		add(f, relation, rng_chance(r, 515) ? 'M' : 'F', age, surname);
	}
}

static void shape_single_elder(struct rng *r, struct family *f)
{
	char sex = rng_chance(r, 620) ? 'F' : 'M';
	add(f, "self", sex, elder_age(r), new_surname(r));
	if (rng_chance(r, 50)) /* a live-in carer or distant relative */
		add(f, "other", 'F', rng_range(r, 35, 65), new_surname(r));
}

static void shape_elder_couple(struct rng *r, struct family *f)
{
	int age = elder_age(r);
	if (age > 92)
		age = 92;
	add(f, "self", 'M', age, new_surname(r));
	add(f, "spouse", 'F', spouse_age(r, age, 'F'), new_surname(r));
	if (rng_chance(r, 100)) { /* the head is the wife */
		f->m[0].sex = 'F';
		f->m[1].sex = 'M';
	}
}

static void shape_single_adult(struct rng *r, struct family *f)
{
	add(f, "self", rng_chance(r, 650) ? 'M' : 'F', rng_range(r, 20, 59),
	    new_surname(r));
}

static void shape_couple(struct rng *r, struct family *f)
{
	/* Young couples, and parents whose children have left home. */
	int age = rng_chance(r, 400) ? rng_range(r, 22, 35) : rng_range(r, 45, 64);
	add(f, "self", 'M', age, new_surname(r));
	add(f, "spouse", 'F', spouse_age(r, age, 'F'), new_surname(r));
}

static void shape_nuclear(struct rng *r, struct family *f)
{
	int age = 25 + (rng_range(r, 0, 33) + rng_range(r, 0, 33)) / 2;
	const char *surname = new_surname(r);
	int wife;
	add(f, "self", 'M', age, surname);
	wife = spouse_age(r, age, 'F');
	add(f, "spouse", 'F', wife, new_surname(r));
	add_children(r, f, age, wife, 3, surname, "child");
}

static void shape_single_parent(struct rng *r, struct family *f)
{
	char sex = rng_chance(r, 700) ? 'F' : 'M';
	int age = rng_range(r, 25, 55);
	const char *surname = new_surname(r);
	add(f, "self", sex, age, surname);
	add_children(r, f, age, -1, 2, sex == 'M' || rng_chance(r, 300)
		     ? surname : new_surname(r), "child");
}

/* Grandparents at the head; their son (or daughter) and family with them. */
static void shape_three_gen_elder_head(struct rng *r, struct family *f)
{
	int age = rng_range(r, 55, 85), wife = -1, mid, mid_spouse = -1;
	const char *surname = new_surname(r), *kids_surname;
	int son = rng_chance(r, 800);

	add(f, "self", 'M', age, surname);
	if (rng_chance(r, 750)) {
		wife = spouse_age(r, age, 'F');
		add(f, "spouse", 'F', wife, new_surname(r));
	}
	mid = child_age(r, age, wife, 22, 60);
	if (mid < 0)
		return;
	add(f, "child", son ? 'M' : 'F', mid, surname);
	kids_surname = son ? surname : new_surname(r);
	if (rng_chance(r, 850)) {
		mid_spouse = spouse_age(r, mid, son ? 'F' : 'M');
		add(f, "child_in_law", son ? 'F' : 'M', mid_spouse,
		    son ? new_surname(r) : kids_surname);
	}
	add_children(r, f, mid, mid_spouse, 2, kids_surname, "grandchild");
}

/* A couple at the head, their children, and one or two of the head's
 * parents. */
static void shape_three_gen_mid_head(struct rng *r, struct family *f)
{
	int age = rng_range(r, 30, 55), wife, father, has_father;
	const char *surname = new_surname(r);

	add(f, "self", 'M', age, surname);
	wife = spouse_age(r, age, 'F');
	add(f, "spouse", 'F', wife, new_surname(r));
	add_children(r, f, age, wife, 2, surname, "child");
	father = age + rng_range(r, 22, 40);
	has_father = rng_chance(r, 500);
	if (has_father)
		add(f, "parent", 'M', father, surname);
	if (!has_father || rng_chance(r, 850)) { /* at least one parent */
		int mother = spouse_age(r, father, 'F');
		mother = mother < age + 20 ? age + 20 : mother;
		add(f, "parent", 'F', mother > age + 45 ? age + 45 : mother,
		    new_surname(r));
	}
}

/* Left-behind grandparents raising grandchildren (留守儿童) while the
 * parents work away. */
static void shape_skip_generation(struct rng *r, struct family *f)
{
	char sex = rng_chance(r, 500) ? 'M' : 'F';
	int age = rng_range(r, 55, 80), spouse = -1, youngest, ages[2], n = 0;
	const char *surname = new_surname(r);
	const char *kids_surname = sex == 'M' && rng_chance(r, 700)
				   ? surname : new_surname(r);

	add(f, "self", sex, age, surname);
	if (rng_chance(r, 600)) {
		spouse = spouse_age(r, age, other_sex(sex));
		add(f, "spouse", other_sex(sex), spouse, new_surname(r));
	}
	youngest = spouse >= 0 && spouse < age ? spouse : age;
	for (int i = 0, kids = rng_range(r, 1, 2); i < kids; i++) {
		int g = spaced_age(r, -1, 0,
				   youngest - 40 < 15 ? youngest - 40 : 15, ages, n);
		if (g < 0)
			continue;
		ages[n++] = g;
		add(f, "grandchild", rng_chance(r, 515) ? 'M' : 'F', g,
		    kids_surname);
	}
}

static void shape_siblings(struct rng *r, struct family *f)
{
	int age = rng_range(r, 30, 70), sib = age + rng_range(r, -8, 8);
	const char *surname = new_surname(r);
	add(f, "self", rng_chance(r, 600) ? 'M' : 'F', age, surname);
	add(f, "sibling", rng_chance(r, 500) ? 'M' : 'F', sib < 18 ? 18 : sib,
	    surname);
	if (rng_chance(r, 200))
		add(f, "other", rng_chance(r, 500) ? 'M' : 'F',
		    rng_range(r, 20, 80), new_surname(r));
}

/* A young adult living with a grandparent. */
static void shape_with_grandparent(struct rng *r, struct family *f)
{
	int age = rng_range(r, 18, 35);
	const char *surname = new_surname(r);
	add(f, "self", rng_chance(r, 550) ? 'M' : 'F', age, surname);
	add(f, "grandparent", rng_chance(r, 650) ? 'F' : 'M',
	    age + rng_range(r, 45, 62), rng_chance(r, 600) ? surname
							   : new_surname(r));
}

typedef void (*shape_fn)(struct rng *r, struct family *f);

/* Shares in per mille: rural, urban. */
static const struct {
	shape_fn build;
	int rural, urban;
} shapes[] = {
	{ shape_single_elder, 130, 100 },
	{ shape_elder_couple, 150, 120 },
	{ shape_single_adult, 80, 120 },
	{ shape_couple, 90, 110 },
	{ shape_nuclear, 250, 320 },
	{ shape_three_gen_elder_head, 90, 50 },
	{ shape_three_gen_mid_head, 80, 80 },
	{ shape_single_parent, 50, 60 },
	{ shape_skip_generation, 50, 10 },
	{ shape_siblings, 20, 20 },
	{ shape_with_grandparent, 10, 10 },
};

static void build_family(struct rng *r, int urban, struct family *f)
{
	int pick = (int)rng_below(r, 1000);
	f->n = 0;
	for (size_t i = 0; i < COUNT(shapes); i++) {
		int share = urban ? shapes[i].urban : shapes[i].rural;
		if (pick < share) {
			shapes[i].build(r, f);
			return;
		}
		pick -= share;
	}
	shapes[0].build(r, f);
}

/* === one person's details === */

struct person {
	char name[LIMIT_NAME_BYTES];
	char id_number[19];
	char birth_date[11];
	char phone[12];
	char sex[2];
	const char *relation, *disability_type, *health, *work_capacity;
	int disability_grade; /* 0 = none */
};

static const struct weighted disability_types[] = {
	{ "physical", 45 }, { "hearing", 14 }, { "visual", 12 },
	{ "mental", 11 }, { "intellectual", 9 }, { "multiple", 7 },
	{ "speech", 2 },
};

/* Grade 1 is the most severe; milder grades are more common. */
static const struct weighted disability_grades[] = {
	{ "1", 12 }, { "2", 23 }, { "3", 30 }, { "4", 35 },
};

static void draw_disability(struct rng *r, int age, struct person *p)
{
	int permille = age < 18 ? 20 : age < 60 ? 50 : age < 80 ? 100 : 160;
	p->disability_type = NULL;
	p->disability_grade = 0;
	if (!rng_chance(r, permille))
		return;
	p->disability_type = rng_weighted(r, disability_types,
					  COUNT(disability_types));
	p->disability_grade = rng_weighted(r, disability_grades,
					   COUNT(disability_grades))[0] - '0';
}

static void draw_health(struct rng *r, int age, struct person *p)
{
	static const struct { int below, chronic, serious; } by_age[] = {
		{ 18, 20, 5 }, { 45, 60, 10 }, { 60, 180, 30 },
		{ 75, 320, 60 }, { 1000, 450, 100 },
	};
	int pick = (int)rng_below(r, 1000);
	size_t i = 0;
	while (age >= by_age[i].below)
		i++;
	p->health = pick < by_age[i].serious ? "serious"
		  : pick < by_age[i].serious + by_age[i].chronic ? "chronic"
		  : "healthy";
}

static void draw_work(struct rng *r, int age, struct person *p)
{
	int severe = p->disability_grade == 1 || p->disability_grade == 2;
	int chronic = strcmp(p->health, "chronic") == 0;

	if (age < 16 || age >= 75 || severe || strcmp(p->health, "serious") == 0)
		p->work_capacity = "none";
	else if (p->disability_grade || (chronic && rng_chance(r, 700)) ||
		 (age >= 60 && rng_chance(r, 600)))
		p->work_capacity = "partial";
	else
		p->work_capacity = "full";
}

static const char *const mobile_prefixes[] = {
	"130", "131", "132", "133", "134", "135", "136", "137", "138", "139",
	"150", "151", "152", "153", "155", "156", "157", "158", "159",
	"180", "181", "182", "183", "184", "185", "186", "187", "188", "189",
};

static void draw_phone(struct rng *r, int age, struct person *p)
{
	int permille = age < 18 ? 0 : age < 70 ? 950 : age < 80 ? 750 : 450;
	p->phone[0] = '\0';
	if (!rng_chance(r, permille))
		return;
	snprintf(p->phone, sizeof(p->phone), "%s%08" PRId64,
		 mobile_prefixes[rng_below(r, COUNT(mobile_prefixes))],
		 rng_below(r, 100000000));
}

/* === unique ID numbers === */

/* Bits over (day since base, sequence 0..999): taken numbers. */
struct id_set {
	uint8_t *bits;
	int64_t base_day, days;
};

static int id_set_init(struct id_set *set, int ref_year)
{
	set->base_day = clock_days_from_civil(ref_year - MAX_AGE - 2, 1, 1);
	set->days = clock_days_from_civil(ref_year, 1, 1) - set->base_day;
	set->bits = calloc((size_t)(set->days * 1000 / 8 + 1), 1);
	return set->bits ? 0 : -1;
}

/* Claim (day, seq) if free: 1 when claimed, 0 when taken or outside. */
static int id_set_claim(struct id_set *set, int64_t day, int seq)
{
	int64_t bit = (day - set->base_day) * 1000 + seq;
	if (day < set->base_day || day >= set->base_day + set->days)
		return 0;
	if (set->bits[bit / 8] & (1u << (bit % 8)))
		return 0;
	set->bits[bit / 8] |= (uint8_t)(1u << (bit % 8));
	return 1;
}

/* A free sequence number of the sex's parity on `day` (odd = male, and
 * never 000), or -1 when the day is full. */
static int free_seq(struct rng *r, struct id_set *set, int64_t day, char sex)
{
	int parity = sex == 'M' ? 1 : 0;
	for (int tries = 0; tries < 16; tries++) {
		int seq = (int)rng_below(r, 500) * 2 + parity;
		if (seq > 0 && id_set_claim(set, day, seq))
			return seq;
	}
	for (int seq = parity ? 1 : 2; seq < 1000; seq += 2)
		if (id_set_claim(set, day, seq))
			return seq;
	return -1;
}

static int days_in_month(int y, int m)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return m == 2 && leap ? 29 : days[m - 1];
}

/* Birth date and ID number for someone `age` on 1 January of ref_year. */
static int draw_identity(struct rng *r, struct id_set *set, int ref_year,
			 const struct member *m, struct person *p)
{
	int y = ref_year - 1 - m->age, mo = rng_range(r, 1, 12);
	int d = rng_range(r, 1, days_in_month(y, mo)), seq;
	int64_t day = clock_days_from_civil(y, mo, d);

	/* A full day moves the birthday a day earlier. */
	while ((seq = free_seq(r, set, day, m->sex)) < 0)
		if (--day < set->base_day)
			return -1;
	clock_civil_from_days(day, &y, &mo, &d);
	clock_format_date(day, p->birth_date);
	return idcard_make(COUNTY, y, mo, d, seq, p->id_number);
}

static int draw_person(struct rng *r, struct id_set *set, int ref_year,
		       const struct member *m, struct person *p)
{
	if (draw_identity(r, set, ref_year, m, p) < 0)
		return -1;
	make_name(r, m->surname, m->sex, ref_year - 1 - m->age, p->name,
		  sizeof(p->name));
	p->sex[0] = m->sex;
	p->sex[1] = '\0';
	p->relation = m->relation;
	draw_phone(r, m->age, p);
	draw_disability(r, m->age, p);
	draw_health(r, m->age, p);
	draw_work(r, m->age, p);
	return 0;
}

/* === where households live === */

struct place {
	char code[13];
	char full_name[160];
	int urban, community;
	int64_t weight_end; /* cumulative weight up to and including this one */
};

static int place_weight(const char *township_kind, int community)
{
	/* About half the households urban, as in the county. */
	if (strcmp(township_kind, "street") == 0)
		return community ? 16 : 4;
	if (strcmp(township_kind, "township") == 0)
		return community ? 5 : 2;
	return community ? 8 : 3;
}

static int load_places(struct store *s, struct place **out, size_t *n,
		       struct err *e)
{
	struct store_stmt *st = NULL;
	struct place *p = NULL;
	size_t cap = 0;
	int64_t total = 0;
	int rc = store_query(s, &st, e,
		"SELECT v.code, c.name || t.name || v.name, v.urban, v.kind, t.kind"
		" FROM divisions v JOIN divisions t ON t.code = v.parent_code"
		" JOIN divisions c ON c.code = t.parent_code"
		" WHERE length(v.code) = 12 ORDER BY v.code", "");

	*n = 0;
	if (rc < 0)
		return rc;
	while ((rc = store_step(st, e)) == STORE_ROW) {
		struct place *pl;
		if (*n == cap) {
			struct place *bigger;
			cap = cap ? cap * 2 : 512;
			if (!(bigger = realloc(p, cap * sizeof(*p)))) {
				rc = err_set(e, ERR_INTERNAL, NULL, "memory",
					     "内存不足", "out of memory");
				break;
			}
			p = bigger;
		}
		pl = &p[(*n)++];
		snprintf(pl->code, sizeof(pl->code), "%s", store_col_text(st, 0));
		snprintf(pl->full_name, sizeof(pl->full_name), "%s",
			 store_col_text(st, 1));
		pl->urban = store_col_int64(st, 2) != 0;
		pl->community = strcmp(store_col_text(st, 3), "community") == 0;
		total += place_weight(store_col_text(st, 4), pl->community);
		pl->weight_end = total;
	}
	store_finalize(st);
	if (rc < 0) {
		free(p);
		*n = 0;
		return rc;
	}
	*out = p;
	return 0;
}

static const struct place *pick_place(struct rng *r, const struct place *p,
				      size_t n)
{
	int64_t pick = rng_below(r, p[n - 1].weight_end);
	size_t lo = 0, hi = n - 1;
	while (lo < hi) { /* first place whose weight_end exceeds pick */
		size_t mid = lo + (hi - lo) / 2;
		if (p[mid].weight_end > pick)
			hi = mid;
		else
			lo = mid + 1;
	}
	return &p[lo];
}

static void make_address(struct rng *r, const struct place *pl, char *out,
			 size_t size)
{
	if (pl->community) {
		int building = rng_range(r, 1, 30), unit = rng_range(r, 1, 4);
		int floor = rng_range(r, 1, 18), room = rng_range(r, 1, 4);
		snprintf(out, size, "%s%d栋%d单元%d%02d", pl->full_name, building,
			 unit, floor, room);
	} else {
		int group = rng_range(r, 1, 10), number = rng_range(r, 1, 120);
		snprintf(out, size, "%s%d组%d号", pl->full_name, group, number);
	}
}

/* === progress === */

struct progress {
	FILE *out;
	int tty;
	int shown; /* percent last shown, -1 before the first */
	int64_t total;
};

static void fmt_count(int64_t v, char out[32])
{
	char digits[24];
	int n = snprintf(digits, sizeof(digits), "%" PRId64, v), j = 0;
	for (int i = 0; i < n; i++) {
		if (i > 0 && (n - i) % 3 == 0)
			out[j++] = ',';
		out[j++] = digits[i];
	}
	out[j] = '\0';
}

static void progress_show(struct progress *pg, int64_t done)
{
	char bar[21], a[32], b[32];
	int pct;

	if (!pg->out)
		return;
	if (done > pg->total)
		done = pg->total;
	pct = (int)(done * 100 / pg->total);
	if (pct == pg->shown || (!pg->tty && pct / 10 == pg->shown / 10 &&
				 pg->shown >= 0))
		return;
	pg->shown = pct;
	for (int i = 0; i < 20; i++)
		bar[i] = i < pct / 5 ? '#' : '.';
	bar[20] = '\0';
	fmt_count(done, a);
	fmt_count(pg->total, b);
	fprintf(pg->out, "%s生成人员 [%s] %3d%%  %s/%s%s", pg->tty ? "\r" : "",
		bar, pct, a, b, pg->tty ? "" : "\n");
	fflush(pg->out);
}

static void progress_end(struct progress *pg)
{
	if (!pg->out)
		return;
	progress_show(pg, pg->total);
	if (pg->tty)
		fputc('\n', pg->out);
	fflush(pg->out);
}

/* === writing rows === */

struct demo_ctx {
	struct store *s;
	const struct store_ops *ops;
	struct store_stmt *ins_household, *ins_person, *set_head;
	struct rng rng;
	struct id_set ids;
	struct place *places;
	size_t n_places;
	int ref_year;
	char now[21];
	struct demo_result *r;
};

static int bind_str(const struct store_ops *ops, struct store_stmt *st,
		    int idx, const char *v)
{
	if (!v || !v[0])
		return ops->bind_null(st, idx);
	return ops->bind_text(st, idx, v, strlen(v));
}

/* Step a RETURNING id statement to its end. */
static int step_id(const struct store_ops *ops, struct store_stmt *st,
		   int64_t *id, struct err *e)
{
	int rc = ops->step(st, e);
	if (rc == STORE_ROW) {
		*id = ops->column_int64(st, 0);
		while ((rc = ops->step(st, e)) == STORE_ROW)
			;
		return rc;
	}
	return rc < 0 ? rc : err_set(e, ERR_INTERNAL, NULL, "store",
				     "插入未返回编号", "insert returned no id");
}

static int bind_failed(struct err *e)
{
	return err_set(e, ERR_INTERNAL, NULL, "store", "绑定参数失败",
		       "binding a parameter failed");
}

static int insert_household(struct demo_ctx *c, const struct place *pl,
			    const char *address, int64_t *id, struct err *e)
{
	const struct store_ops *ops = c->ops;
	struct store_stmt *st = c->ins_household;

	ops->reset(st);
	if (bind_str(ops, st, 1, pl->code) < 0 || bind_str(ops, st, 2, address) < 0 ||
	    bind_str(ops, st, 3, pl->urban ? "urban" : "rural") < 0 ||
	    bind_str(ops, st, 4, c->now) < 0 || bind_str(ops, st, 5, c->now) < 0)
		return bind_failed(e);
	return step_id(ops, st, id, e);
}

static int insert_person(struct demo_ctx *c, const struct person *p,
			 int64_t household, const char *region, int64_t *id,
			 struct err *e)
{
	const struct store_ops *ops = c->ops;
	struct store_stmt *st = c->ins_person;

	ops->reset(st);
	if (bind_str(ops, st, 1, p->id_number) < 0 || bind_str(ops, st, 2, p->name) < 0 ||
	    bind_str(ops, st, 3, p->sex) < 0 || bind_str(ops, st, 4, p->birth_date) < 0 ||
	    ops->bind_int64(st, 5, household) < 0 ||
	    bind_str(ops, st, 6, p->relation) < 0 || bind_str(ops, st, 7, region) < 0 ||
	    bind_str(ops, st, 8, p->phone) < 0 ||
	    bind_str(ops, st, 9, p->disability_type) < 0 ||
	    (p->disability_grade ? ops->bind_int64(st, 10, p->disability_grade)
				 : ops->bind_null(st, 10)) < 0 ||
	    bind_str(ops, st, 11, p->health) < 0 ||
	    bind_str(ops, st, 12, p->work_capacity) < 0 ||
	    bind_str(ops, st, 13, c->now) < 0 || bind_str(ops, st, 14, c->now) < 0)
		return bind_failed(e);
	return step_id(ops, st, id, e);
}

static int set_head(struct demo_ctx *c, int64_t household, int64_t person,
		    struct err *e)
{
	const struct store_ops *ops = c->ops;
	int rc;

	ops->reset(c->set_head);
	if (ops->bind_int64(c->set_head, 1, person) < 0 ||
	    ops->bind_int64(c->set_head, 2, household) < 0)
		return bind_failed(e);
	rc = ops->step(c->set_head, e);
	return rc < 0 ? rc : 0;
}

/* Draw and write one household with its members. */
static int write_household(struct demo_ctx *c, struct err *e)
{
	const struct place *pl = pick_place(&c->rng, c->places, c->n_places);
	char address[LIMIT_ADDRESS_BYTES];
	struct family f;
	int64_t household, person, head = 0;
	int rc;

	make_address(&c->rng, pl, address, sizeof(address));
	build_family(&c->rng, pl->urban, &f);
	if ((rc = insert_household(c, pl, address, &household, e)) < 0)
		return rc;
	for (int i = 0; i < f.n; i++) {
		struct person p;
		if (draw_person(&c->rng, &c->ids, c->ref_year, &f.m[i], &p) < 0)
			return err_set(e, ERR_INTERNAL, NULL, "id_number",
				       "身份证号码已用尽", "ran out of ID numbers");
		if ((rc = insert_person(c, &p, household, pl->code, &person, e)) < 0)
			return rc;
		if (i == 0)
			head = person;
		c->r->persons++;
		c->r->disabled += p.disability_type != NULL;
		c->r->ill += strcmp(p.health, "healthy") != 0;
	}
	c->r->households++;
	return set_head(c, household, head, e);
}

static int prepare_all(struct demo_ctx *c, struct err *e)
{
	int rc = c->ops->prepare(c->s,
		"INSERT INTO households (region_code, address, area_kind, synthetic,"
		" created_at, updated_at) VALUES ($1, $2, $3, 1, $4, $5) RETURNING id",
		&c->ins_household, e);
	if (rc < 0)
		return rc;
	rc = c->ops->prepare(c->s,
		"INSERT INTO persons (id_number, name, sex, birth_date, household_id,"
		" relation, region_code, phone, disability_type, disability_grade,"
		" health, work_capacity, synthetic, created_at, updated_at)"
		" VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 1, $13, $14)"
		" RETURNING id", &c->ins_person, e);
	if (rc < 0)
		return rc;
	return c->ops->prepare(c->s,
		"UPDATE households SET head_person_id = $1 WHERE id = $2",
		&c->set_head, e);
}

static void finalize_all(struct demo_ctx *c)
{
	if (c->ins_household)
		c->ops->finalize(c->ins_household);
	if (c->ins_person)
		c->ops->finalize(c->ins_person);
	if (c->set_head)
		c->ops->finalize(c->set_head);
	c->ins_household = c->ins_person = c->set_head = NULL;
}

/* === accounts === */

struct demo_account {
	const char *username, *role, *region, *display_fmt, *department;
};

/* display_fmt gets the region's own name (骑龙村, 周嘉镇, 垫江县). */
static const struct demo_account accounts[] = {
	{ "courier", "courier", "500231103201", "%s救助快递员", NULL },
	{ "assistant", "assistant", "500231103201", "%s救助协理员", NULL },
	{ "commander", "commander", "500231103", "%s救助指挥员", NULL },
	{ "reviewer", "reviewer", COUNTY, "%s民政局审核员", "civil_affairs" },
	{ "admin", "admin", COUNTY, "%s民政局管理员", NULL },
	/* A second admin: approves the payment runs "admin" generates. */
	{ "checker", "admin", COUNTY, "%s民政局复核员", NULL },
	{ "inspector", "inspector", COUNTY, "%s纪委监委监督员", NULL },
	{ "eldercare", "eldercare", "500231103", "%s敬老院工作人员", NULL },
	{ "courier2", "courier", "500231103202", "%s救助快递员", NULL },
};

static void random_password(char *out, size_t size)
{
	/* No 0/O, 1/l/I: easy to read off a terminal and type. */
	static const char alphabet[] =
		"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
	size_t n = size - 1 < 12 ? size - 1 : 12;
	for (size_t i = 0; i < n; i++)
		out[i] = alphabet[randombytes_uniform(sizeof(alphabet) - 1)];
	out[n] = '\0';
}

static int region_short_name(struct store *s, const char *code, char *out,
			     size_t size, struct err *e)
{
	struct store_stmt *st = NULL;
	int rc = store_query(s, &st, e, "SELECT name FROM divisions WHERE code = $1",
			     "s", code);
	if (rc < 0)
		return rc;
	rc = store_step(st, e);
	if (rc == STORE_ROW)
		snprintf(out, size, "%s", store_col_text(st, 0));
	store_finalize(st);
	if (rc == STORE_DONE)
		return err_setf(e, ERR_NOT_FOUND, "region_code", "not_found",
				"区划 %s 不存在", "division %s does not exist", code);
	return rc < 0 ? rc : 0;
}

static int create_account(struct store *s, const struct actor *system,
			  const struct demo_account *a, const char *password,
			  struct demo_login *login, struct err *e)
{
	char short_name[64], display[128];
	struct account_input in;
	int64_t id;
	int rc;

	if ((rc = region_short_name(s, a->region, short_name, sizeof(short_name), e)) < 0)
		return rc;
	snprintf(display, sizeof(display), a->display_fmt, short_name);
	memset(login, 0, sizeof(*login));
	snprintf(login->username, sizeof(login->username), "%s", a->username);
	if (password)
		snprintf(login->password, sizeof(login->password), "%s", password);
	else
		random_password(login->password, sizeof(login->password));
	snprintf(login->role, sizeof(login->role), "%s", a->role);
	snprintf(login->region_code, sizeof(login->region_code), "%s", a->region);
	rc = divisions_full_name(s, a->region, login->region_name,
				 sizeof(login->region_name), e);
	if (rc < 0)
		return rc;
	in = (struct account_input){
		.username = a->username,
		.display_name = display,
		.role = a->role,
		.department = a->department,
		.region_code = a->region,
		.password = login->password,
	};
	return account_create(s, system, &in, &id, e);
}

static int create_accounts(struct store *s, const char *password,
			   struct demo_result *r, struct err *e)
{
	struct actor system;
	int rc;

	perm_system_actor(&system, COUNTY);
	for (size_t i = 0; i < COUNT(accounts) && i < COUNT(r->logins); i++) {
		rc = create_account(s, &system, &accounts[i], password,
				    &r->logins[i], e);
		if (rc < 0)
			return rc;
		r->n_logins++;
	}
	return 0;
}

/* === the run === */

static int check_empty(struct store *s, struct err *e)
{
	int64_t n;
	int rc = store_int64(s, &n, e, "SELECT count(*) FROM persons", "");
	if (rc < 0)
		return rc;
	if (n > 0)
		return err_setf(e, ERR_CONFLICT, NULL, "not_empty",
				"库中已有 %" PRId64 " 名人员，演示数据只能写入空库",
				"the registry already holds %" PRId64
				" persons; the demo needs an empty one", n);
	return 0;
}

static int audit_run(struct demo_ctx *c, uint64_t seed, struct err *e)
{
	char seed_text[24];
	json_t *detail;
	int rc;

	/* The seed as a string: a uint64 does not fit a JSON integer. */
	snprintf(seed_text, sizeof(seed_text), "%" PRIu64, seed);
	detail = json_pack("{s:I, s:I, s:I, s:I, s:s}",
		"households", (json_int_t)c->r->households,
		"persons", (json_int_t)c->r->persons,
		"disabled", (json_int_t)c->r->disabled,
		"ill", (json_int_t)c->r->ill,
		"seed", seed_text);
	rc = audit_append(c->s, NULL, "demo.generate", "demo", 0, COUNTY, detail, e);
	json_decref(detail);
	return rc;
}

static int generate(struct demo_ctx *c, const struct demo_options *o,
		    struct err *e)
{
	struct progress pg = { .out = o->progress, .shown = -1, .total = o->persons };
	int rc;

	if (pg.out)
		pg.tty = isatty(fileno(pg.out));
	if ((rc = load_places(c->s, &c->places, &c->n_places, e)) < 0)
		return rc;
	if (c->n_places == 0)
		return err_set(e, ERR_CONFLICT, "divisions", "no_divisions",
			       "尚未载入村和社区区划", "no villages or communities: seed the divisions first");
	if ((rc = prepare_all(c, e)) < 0)
		return rc;
	progress_show(&pg, 0);
	while (c->r->persons < o->persons) {
		if ((rc = write_household(c, e)) < 0) {
			if (pg.tty) /* end the bar's line before the error */
				fputc('\n', pg.out);
			return rc;
		}
		progress_show(&pg, c->r->persons);
	}
	progress_end(&pg);
	finalize_all(c);
	return 0;
}

/* One report for about every 200 persons, at least 60 so that every
 * state of every workflow occurs even in a small demo. */
static int64_t demo_report_count(int64_t persons)
{
	return persons / 200 > 60 ? persons / 200 : 60;
}

/* The supervision cross-checks over the finished demo: its planted
 * relative of staff, payments after a death, a car, a shared account. */
static int demo_crosscheck(struct store *s, const char *config_dir,
			   struct demo_result *r, struct err *e)
{
	struct crosscheck_result cr;
	const char *key;
	json_t *v;
	int rc = crosscheck_run(s, NULL, config_dir, NULL, "demo", &cr, e);

	if (rc < 0)
		return rc;
	r->crosscheck_run = cr.run_id;
	r->findings = cr.found;
	json_object_foreach(cr.by_check, key, v) {
		if (r->n_checks >= (int)COUNT(r->by_check))
			break;
		snprintf(r->by_check[r->n_checks].check, sizeof(r->by_check[0].check), "%s", key);
		r->by_check[r->n_checks++].found =
			json_integer_value(json_object_get(v, "found"));
	}
	json_decref(cr.by_check);
	return 0;
}

int demo_generate(struct store *s, const struct demo_options *o,
		  struct demo_result *r, struct err *e)
{
	struct demo_ctx c = { .s = s, .ops = s->ops, .r = r };
	int64_t started = clock_monotonic_ms();
	int y, m, d, rc;

	memset(r, 0, sizeof(*r));
	if (o->persons < 1 || o->persons > LIMIT_DEMO_PERSONS)
		return err_setf(e, ERR_INVALID, "persons", "range",
				"人数须在 1 到 %d 之间", "persons must be 1 to %d",
				LIMIT_DEMO_PERSONS);
	if (sodium_init() < 0)
		return err_set(e, ERR_INTERNAL, NULL, "sodium", "libsodium 初始化失败",
			       "libsodium failed to initialise");
	rng_seed(&c.rng, o->seed);
	clock_civil_from_days(clock_today_china(), &y, &m, &d);
	c.ref_year = y;
	clock_format_utc(clock_now(), c.now);
	if (id_set_init(&c.ids, c.ref_year) < 0)
		return err_set(e, ERR_INTERNAL, NULL, "memory", "内存不足",
			       "out of memory");
	if ((rc = store_begin(s, e)) < 0)
		goto cleanup;
	if ((rc = check_empty(s, e)) < 0 || (rc = generate(&c, o, e)) < 0 ||
	    (rc = audit_run(&c, o->seed, e)) < 0 ||
	    (rc = create_accounts(s, o->password, r, e)) < 0 ||
	    (rc = demo_cases_generate(s, o->seed, demo_report_count(o->persons),
				      &r->cases, e)) < 0 ||
	    (o->config_dir &&
	     (rc = demo_payments_generate(s, o->config_dir, 6, &r->payments, e)) < 0) ||
	    (o->config_dir && o->data_dir &&
	     (rc = demo_feeds_generate(s, o->seed, o->config_dir, o->data_dir,
				       o->progress, &r->feeds, e)) < 0) ||
	    (o->config_dir && o->data_dir && (rc = demo_crosscheck(s, o->config_dir, r, e)) < 0)) {
		finalize_all(&c);
		store_rollback(s);
		goto cleanup;
	}
	rc = store_commit(s, e);
cleanup:
	free(c.ids.bits);
	free(c.places);
	if (rc < 0) {
		memset(r, 0, sizeof(*r)); /* nothing was written: no logins */
		return rc;
	}
	r->seconds = (double)(clock_monotonic_ms() - started) / 1000.0;
	return 0;
}
