/*
 * The AWS engine (daemon/aws/aws.c and the service calls) against the
 * local AWS emulator (tests/awsemu/awsemu.py): every call's happy path,
 * AWS's documented errors and their classes, retries (500s, throttling,
 * dropped connections, timeouts, max_attempts) and the engine's own rate
 * limits.  One emulator (quotas on) serves the whole program; each test
 * resets it and starts a fresh engine on a fresh event base.
 *
 * The emulator's admin API (/_emu/...) is driven with blocking libcurl
 * calls: this is test code, not the daemon.
 */
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>
#include <event2/event.h>
#include <jansson.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "aws.h"
#include "awserr.h"
#include "conf.h"
#include "log.h"
#include "services.h"
#include "sigv4.h"
#include "util.h"
#include "xmalloc.h"
#include "xml.h"
#include "xmalloc.h"

#define AKID		"AKIDEXAMPLE000000001"
#define SECRET		"emusecret0000000000000000000000000000001"
#define ACCOUNT		"111111111111"
#define OTHER_ACCOUNT	"222222222222"
#define REGION		"us-east-1"
#define WAIT_MS		60000
#define NO_SUCH_ARN	"arn:aws:acm:us-east-1:111111111111:certificate/" \
			    "00000000-0000-4000-8000-000000000000"

/* ---- the emulator ---- */

static pid_t	 emu_pid = -1;
static char	 emu_url[64];
static char	 emu_portfile[64];

static int
emu_spawn(void)
{
	const char	*srcdir;
	char		*path;
	FILE		*f;
	int		 port = 0, i, status;

	if ((srcdir = getenv("top_srcdir")) == NULL)
		srcdir = ".";
	xasprintf(&path, "%s/tests/awsemu/awsemu.py", srcdir);
	snprintf(emu_portfile, sizeof emu_portfile, "/tmp/test_aws.%ld.port",
	    (long)getpid());
	unlink(emu_portfile);
	if ((emu_pid = fork()) == -1)
		return (-1);
	if (emu_pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		execl("/usr/bin/python3", "python3", path, "--port", "0",
		    "--port-file", emu_portfile, getenv("AWS_TEST_DEBUG") != NULL ?
		    "--verbose" : "--quiet", "--key",
		    AKID ":" SECRET ":" ACCOUNT, (char *)NULL);
		_exit(127);
	}
	free(path);
	for (i = 0; i < 600 && port <= 0; i++) {
		if ((f = fopen(emu_portfile, "r")) != NULL) {
			if (fscanf(f, "%d", &port) != 1)
				port = 0;
			fclose(f);
		}
		if (port <= 0)
			usleep(50000);
		if (waitpid(emu_pid, &status, WNOHANG) == emu_pid) {
			emu_pid = -1;
			fprintf(stderr, "test_aws: the emulator exited (status "
			    "%#x)\n", status);
			return (-1);
		}
	}
	unlink(emu_portfile);
	if (port <= 0) {
		fprintf(stderr, "test_aws: the emulator did not start\n");
		return (-1);
	}
	snprintf(emu_url, sizeof emu_url, "http://127.0.0.1:%d", port);
	return (0);
}

/* Start again if it is gone (says so: a test must not kill it). */
static void
emu_check(void)
{
	int	 status;

	if (emu_pid > 0 && waitpid(emu_pid, &status, WNOHANG) != emu_pid)
		return;
	fprintf(stderr, "test_aws: the emulator is gone (%s %#x); "
	    "starting another\n", emu_pid > 0 ? "status" : "never started",
	    emu_pid > 0 ? status : 0);
	emu_pid = -1;
	if (emu_spawn() != 0)
		fail_msg("cannot restart the emulator");
}

static int
emu_start(void **state)
{
	(void)state;
	log_init("test_aws", LOG_TO_STDERR, getenv("AWS_TEST_DEBUG") != NULL);
	signal(SIGPIPE, SIG_IGN);
	/* The endpoint comes from the configuration only. */
	unsetenv("AWS_ENDPOINT_URL");
	unsetenv("AWS_ENDPOINT_URL_ACM");
	unsetenv("AWS_ENDPOINT_URL_ACM_PCA");
	unsetenv("AWS_ENDPOINT_URL_IAM");
	unsetenv("AWS_ENDPOINT_URL_ROUTE_53");
	unsetenv("AWS_ENDPOINT_URL_STS");
	curl_global_init(CURL_GLOBAL_DEFAULT);
	return (emu_spawn());
}

static int
emu_stop(void **state)
{
	(void)state;
	if (emu_pid > 0) {
		kill(emu_pid, SIGTERM);
		waitpid(emu_pid, NULL, 0);
		emu_pid = -1;
	}
	curl_global_cleanup();
	return (0);
}

struct buf {
	char	*p;
	size_t	 len;
};

static size_t
buf_write(char *data, size_t size, size_t n, void *arg)
{
	struct buf	*b = arg;

	b->p = xreallocarray(b->p, 1, b->len + size * n + 1);
	memcpy(b->p + b->len, data, size * n);
	b->len += size * n;
	b->p[b->len] = '\0';
	return (size * n);
}

/* An admin call; asserts a 200 and returns the JSON answer (owned). */
static json_t *
emu_admin(const char *method, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static json_t *
emu_admin(const char *method, const char *path, const char *fmt, ...)
{
	CURL			*h;
	struct curl_slist	*hdrs = NULL;
	struct buf		 b = { NULL, 0 };
	char			*url, *body = NULL;
	long			 status = 0;
	va_list			 ap;
	json_t			*j;
	CURLcode		 rc;

	xasprintf(&url, "%s%s", emu_url, path);
	h = curl_easy_init();
	assert_non_null(h);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, buf_write);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, 120L);
	if (fmt != NULL) {
		va_start(ap, fmt);
		xvasprintf(&body, fmt, ap);
		va_end(ap);
		hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
		curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
	}
	rc = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(h);
	curl_slist_free_all(hdrs);
	if (rc != CURLE_OK || status != 200)
		fail_msg("emulator %s %s: %s, status %ld: %s", method, path,
		    curl_easy_strerror(rc), status, b.p ? b.p : "");
	j = json_loads(b.p != NULL ? b.p : "", 0, NULL);
	assert_non_null(j);
	free(b.p);
	free(body);
	free(url);
	return (j);
}

static void
emu_post(const char *path, const char *body)
{
	json_decref(emu_admin("POST", path, "%s", body));
}

/* requests[service][op][region], 0 if absent. */
static long
emu_requests(const char *svc, const char *op)
{
	json_t	*j = emu_admin("GET", "/_emu/stats", NULL);
	long	 n;

	n = (long)json_integer_value(json_object_get(json_object_get(
	    json_object_get(json_object_get(j, "requests"), svc), op), REGION));
	json_decref(j);
	return (n);
}

static long
emu_throttled_total(void)
{
	json_t	*j = emu_admin("GET", "/_emu/stats", NULL);
	long	 n;

	n = (long)json_integer_value(json_object_get(j, "throttled_total"));
	json_decref(j);
	return (n);
}

/* ---- the engine and the loop ---- */

struct fx {
	struct event_base	*base;
	struct config		*conf;
	struct aws_cred		*cred;
	struct aws_stats	 before;
};

static struct fx	 F;

static int
setup(void **state)
{
	(void)state;
	emu_check();
	emu_post("/_emu/reset", "{}");
	memset(&F, 0, sizeof F);
	F.base = event_base_new();
	F.conf = config_defaults();
	free(F.conf->endpoint_url);
	F.conf->endpoint_url = xstrdup(emu_url);
	F.conf->request_timeout = 30;
	F.conf->max_attempts = 3;
	aws_init(F.base, F.conf);
	F.cred = aws_cred_new("test", AKID, SECRET, NULL);
	F.before = *aws_get_stats();
	return (F.base == NULL ? -1 : 0);
}

static int
teardown(void **state)
{
	(void)state;
	aws_cred_unref(F.cred);
	aws_shutdown();
	event_base_free(F.base);
	config_free(F.conf);
	memset(&F, 0, sizeof F);
	return (0);
}

static void
reconfigure(unsigned max_attempts, unsigned request_timeout)
{
	F.conf->max_attempts = max_attempts;
	F.conf->request_timeout = request_timeout;
	aws_configure(F.conf);
}

#define STAT_DELTA(field) (aws_get_stats()->field - F.before.field)

static void
safety_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	*(int *)arg = 1;
}

static int
run_until(int *counter, int want, int ms)
{
	struct event	*ev;
	struct timeval	 tv = { ms / 1000, (ms % 1000) * 1000 };
	int		 expired = 0;

	ev = evtimer_new(F.base, safety_cb, &expired);
	evtimer_add(ev, &tv);
	while (*counter < want && !expired)
		event_base_loop(F.base, EVLOOP_ONCE);
	event_free(ev);
	return (*counter >= want ? 0 : -1);
}

static void
run_for(int ms)
{
	int	never = 0;

	run_until(&never, 1, ms);
}

/* What a call's callback saw; json and xml are taken from the result. */
struct res {
	int			 done;
	int			 ok;
	long			 status;
	char			*code;
	char			*message;
	long			 http_status;
	enum aws_err_class	 cls;
	unsigned		 attempts;
	json_t			*json;
	struct xml_node		*xml;
	int			*counter;
};

static void
res_cb(struct aws_result *r, void *arg)
{
	struct res	*res = arg;

	res->done++;
	res->ok = r->ok;
	res->status = r->status;
	res->attempts = r->attempts;
	res->cls = r->err.cls;
	res->http_status = r->err.http_status;
	res->code = r->err.code ? xstrdup(r->err.code) : NULL;
	res->message = r->err.message ? xstrdup(r->err.message) : NULL;
	/* The engine frees what is left in the result after this. */
	res->json = r->json;
	r->json = NULL;
	res->xml = r->xml;
	r->xml = NULL;
	if (res->counter != NULL)
		(*res->counter)++;
}

static void
res_clear(struct res *r)
{
	free(r->code);
	free(r->message);
	if (r->json != NULL)
		json_decref(r->json);
	xml_free(r->xml);
	memset(r, 0, sizeof *r);
}

static void
res_wait(struct res *r)
{
	if (run_until(&r->done, 1, WAIT_MS) != 0)
		fail_msg("no answer within %d ms", WAIT_MS);
	assert_int_equal(r->done, 1);
}

/* Start a call with res_cb on r and wait for its answer. */
#define SYNC(r, expr) do {				\
	res_clear(r);					\
	(void)(expr);					\
	res_wait(r);					\
} while (0)

static void
expect_ok_(struct res *r, const char *what, int line)
{
	if (!r->ok)
		fail_msg("line %d: %s failed: %s: %s (status %ld, %u attempts)",
		    line, what, r->code ? r->code : "?",
		    r->message ? r->message : "?", r->status, r->attempts);
}
#define expect_ok(r, what) expect_ok_((r), (what), __LINE__)

static void
expect_err_(struct res *r, const char *code, enum aws_err_class cls,
    long status, unsigned attempts, int line)
{
	if (r->ok)
		fail_msg("line %d: expected %s, the call succeeded", line, code);
	if (r->code == NULL || strcmp(r->code, code) != 0)
		fail_msg("line %d: expected %s, got %s: %s", line, code,
		    r->code ? r->code : "(null)",
		    r->message ? r->message : "(null)");
	assert_non_null(r->message);
	assert_true(*r->message != '\0');
	if (r->cls != cls)
		fail_msg("line %d: %s: class %s, expected %s", line, code,
		    aws_err_class_name(r->cls), aws_err_class_name(cls));
	if (status != 0)
		assert_int_equal(r->status, status);
	if (attempts != 0 && r->attempts != attempts)
		fail_msg("line %d: %s after %u attempts, expected %u", line,
		    code, r->attempts, attempts);
}
#define expect_err(r, code, cls, status, attempts) \
	expect_err_((r), (code), (cls), (status), (attempts), __LINE__)

static json_t *
jget(json_t *j, const char *path)
{
	char	*copy, *p, *w;
	json_t	*cur = j;

	copy = p = xstrdup(path);
	while ((w = strsep(&p, ".")) != NULL && cur != NULL) {
		if (json_is_array(cur))
			cur = json_array_get(cur, (size_t)atoi(w));
		else
			cur = json_object_get(cur, w);
	}
	free(copy);
	return (cur);
}

static const char *
jstr(json_t *j, const char *path)
{
	return (json_string_value(jget(j, path)));
}

/* ---- certificates made here ---- */

struct keycert {
	char	*cert;
	char	*key;
	X509	*x509;
};

static char *
bio_string(BIO *b)
{
	char	*data, *s;
	long	 len;

	len = BIO_get_mem_data(b, &data);
	s = xstrndup(data, (size_t)len);
	BIO_free(b);
	return (s);
}

/* A self-signed certificate for cn; rsa_bits 0 means EC P-256. */
static void
keycert_make(struct keycert *kc, const char *cn, int rsa_bits)
{
	EVP_PKEY	*pk;
	X509		*x;
	X509_NAME	*name;
	X509_EXTENSION	*ext;
	X509V3_CTX	 v3;
	BIO		*b;
	char		 san[300];
	unsigned char	 serial[16];
	BIGNUM		*bn;

	pk = rsa_bits > 0 ? EVP_RSA_gen((unsigned)rsa_bits) :
	    EVP_EC_gen("P-256");
	assert_non_null(pk);
	x = X509_new();
	X509_set_version(x, 2);
	for (size_t i = 0; i < sizeof serial; i++)
		serial[i] = (unsigned char)(rand() & 0xff);
	serial[0] &= 0x7f;
	serial[0] |= 0x10;
	bn = BN_bin2bn(serial, sizeof serial, NULL);
	BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x));
	BN_free(bn);
	X509_gmtime_adj(X509_getm_notBefore(x), -86400);
	X509_gmtime_adj(X509_getm_notAfter(x), 90L * 86400);
	X509_set_pubkey(x, pk);
	name = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
	    (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(x, name);
	X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
	snprintf(san, sizeof san, "DNS:%s", cn);
	ext = X509V3_EXT_conf_nid(NULL, &v3, NID_subject_alt_name, san);
	X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	assert_true(X509_sign(x, pk, EVP_sha256()) > 0);

	b = BIO_new(BIO_s_mem());
	PEM_write_bio_X509(b, x);
	kc->cert = bio_string(b);
	b = BIO_new(BIO_s_mem());
	PEM_write_bio_PrivateKey(b, pk, NULL, NULL, 0, NULL, NULL);
	kc->key = bio_string(b);
	kc->x509 = x;
	EVP_PKEY_free(pk);
}

static void
keycert_free(struct keycert *kc)
{
	free(kc->cert);
	free(kc->key);
	X509_free(kc->x509);
	memset(kc, 0, sizeof *kc);
}

static X509 *
pem_x509(const char *pem)
{
	BIO	*b = BIO_new_mem_buf(pem, -1);
	X509	*x = PEM_read_bio_X509(b, NULL, NULL, NULL);

	BIO_free(b);
	return (x);
}

/* Does PEM text pem hold the same certificate as x? */
static int
same_cert(const char *pem, X509 *x)
{
	X509	*y;
	int	 same;

	if (pem == NULL || (y = pem_x509(pem)) == NULL)
		return (0);
	same = X509_cmp(x, y) == 0;
	X509_free(y);
	return (same);
}

/* Seed n certificates through the admin API (JSON fragment extra). */
static void
seed(const char *extra)
{
	json_decref(emu_admin("POST", "/_emu/seed", "{%s}", extra));
}

/* The ARN of one certificate of ours, imported through the engine. */
static char *
import_one(const char *cn)
{
	struct keycert	 kc;
	struct res	 r = { 0 };
	char		*arn;

	keycert_make(&kc, cn, 0);
	SYNC(&r, acm_import_certificate(F.cred, REGION, NULL, kc.cert, kc.key,
	    NULL, NULL, res_cb, &r));
	expect_ok(&r, "ImportCertificate");
	arn = xstrdup(jstr(r.json, "CertificateArn"));
	res_clear(&r);
	keycert_free(&kc);
	return (arn);
}

/* ---- 1. happy paths: ACM ---- */

static int
summary_has_key(json_t *list, const char *alg)
{
	size_t	 i;
	json_t	*v;

	char	 dash[64], *p;

	/* AWS writes RSA-2048 in answers, RSA_2048 in its enum: either. */
	snprintf(dash, sizeof dash, "%s", alg);
	if ((p = strchr(dash, '_')) != NULL)
		*p = '-';
	json_array_foreach(list, i, v) {
		const char *k = json_string_value(json_object_get(v,
		    "KeyAlgorithm"));

		if (k != NULL && (strcmp(k, alg) == 0 || strcmp(k, dash) == 0))
			return (1);
	}
	return (0);
}

static void
test_acm_list_all_key_types(void **state)
{
	struct res		 r = { 0 };
	const char *const	 pending[] = { "PENDING_VALIDATION", NULL };
	json_t			*list;

	(void)state;
	seed("\"count_per_region\": 4, \"types\": [\"IMPORTED\"], "
	    "\"key_types\": [\"EC_prime256v1\", \"RSA_4096\", \"RSA_2048\", "
	    "\"EC_secp384r1\"]");

	SYNC(&r, acm_list_certificates(F.cred, REGION, NULL, 0, NULL, res_cb,
	    &r));
	expect_ok(&r, "ListCertificates");
	assert_int_equal(r.attempts, 1);
	list = json_object_get(r.json, "CertificateSummaryList");
	assert_int_equal(json_array_size(list), 4);
	assert_true(summary_has_key(list, "EC_prime256v1"));
	assert_true(summary_has_key(list, "RSA_4096"));
	assert_true(summary_has_key(list, "EC_secp384r1"));
	assert_true(summary_has_key(list, "RSA_2048"));
	assert_null(json_object_get(r.json, "NextToken"));

	/* Control: without Includes.keyTypes only RSA-1024/2048 show. */
	SYNC(&r, aws_json(F.cred, &aws_svc_acm, REGION, "ListCertificates",
	    NULL, res_cb, &r));
	expect_ok(&r, "ListCertificates (no Includes)");
	assert_int_equal(json_array_size(json_object_get(r.json,
	    "CertificateSummaryList")), 1);

	/* The status filter is passed. */
	SYNC(&r, acm_list_certificates(F.cred, REGION, NULL, 0, pending,
	    res_cb, &r));
	expect_ok(&r, "ListCertificates PENDING_VALIDATION");
	assert_int_equal(json_array_size(json_object_get(r.json,
	    "CertificateSummaryList")), 0);
	res_clear(&r);
}

static void
test_acm_list_pagination(void **state)
{
	struct res	 r = { 0 };
	json_t		*list, *v, *seen;
	char		*token;
	size_t		 i;

	(void)state;
	seed("\"count_per_region\": 1005");
	seen = json_object();

	SYNC(&r, acm_list_certificates(F.cred, REGION, NULL, 1000, NULL,
	    res_cb, &r));
	expect_ok(&r, "ListCertificates page 1");
	list = json_object_get(r.json, "CertificateSummaryList");
	assert_int_equal(json_array_size(list), 1000);
	json_array_foreach(list, i, v)
		json_object_set(seen, jstr(v, "CertificateArn"), json_true());
	assert_non_null(jstr(r.json, "NextToken"));
	token = xstrdup(jstr(r.json, "NextToken"));

	SYNC(&r, acm_list_certificates(F.cred, REGION, token, 1000, NULL,
	    res_cb, &r));
	expect_ok(&r, "ListCertificates page 2");
	list = json_object_get(r.json, "CertificateSummaryList");
	assert_int_equal(json_array_size(list), 5);
	json_array_foreach(list, i, v)
		json_object_set(seen, jstr(v, "CertificateArn"), json_true());
	assert_null(json_object_get(r.json, "NextToken"));
	/* Every certificate once: 1,005 different ARNs. */
	assert_int_equal(json_object_size(seen), 1005);
	free(token);
	json_decref(seen);
	res_clear(&r);
}

static void
test_acm_import_describe_get_tags_delete(void **state)
{
	struct res	 r = { 0 };
	struct keycert	 a, b, mism;
	json_t		*tags;
	char		*arn;

	(void)state;
	keycert_make(&a, "import-a.example.net", 0);
	keycert_make(&b, "import-b.example.net", 0);

	tags = json_pack("[{s:s, s:s}]", "Key", "env", "Value", "test");
	SYNC(&r, acm_import_certificate(F.cred, REGION, NULL, a.cert, a.key,
	    NULL, tags, res_cb, &r));
	json_decref(tags);
	expect_ok(&r, "ImportCertificate");
	assert_non_null(jstr(r.json, "CertificateArn"));
	assert_non_null(strstr(jstr(r.json, "CertificateArn"),
	    "arn:aws:acm:us-east-1:" ACCOUNT ":certificate/"));
	arn = xstrdup(jstr(r.json, "CertificateArn"));

	SYNC(&r, acm_describe_certificate(F.cred, REGION, arn, res_cb, &r));
	expect_ok(&r, "DescribeCertificate");
	assert_string_equal(jstr(r.json, "Certificate.CertificateArn"), arn);
	assert_string_equal(jstr(r.json, "Certificate.Type"), "IMPORTED");
	assert_string_equal(jstr(r.json, "Certificate.Status"), "ISSUED");
	assert_string_equal(jstr(r.json, "Certificate.DomainName"),
	    "import-a.example.net");
	assert_non_null(jstr(r.json, "Certificate.Serial"));

	SYNC(&r, acm_get_certificate(F.cred, REGION, arn, res_cb, &r));
	expect_ok(&r, "GetCertificate");
	assert_non_null(strstr(jstr(r.json, "Certificate") ?: "",
	    "-----BEGIN CERTIFICATE-----"));
	assert_true(same_cert(jstr(r.json, "Certificate"), a.x509));

	/* Re-import onto the same ARN: the ARN is kept, the PEM changes. */
	SYNC(&r, acm_import_certificate(F.cred, REGION, arn, b.cert, b.key,
	    NULL, NULL, res_cb, &r));
	expect_ok(&r, "ImportCertificate (re-import)");
	assert_string_equal(jstr(r.json, "CertificateArn"), arn);
	SYNC(&r, acm_get_certificate(F.cred, REGION, arn, res_cb, &r));
	expect_ok(&r, "GetCertificate after re-import");
	assert_true(same_cert(jstr(r.json, "Certificate"), b.x509));
	assert_false(same_cert(jstr(r.json, "Certificate"), a.x509));
	SYNC(&r, acm_describe_certificate(F.cred, REGION, arn, res_cb, &r));
	expect_ok(&r, "DescribeCertificate after re-import");
	assert_string_equal(jstr(r.json, "Certificate.DomainName"),
	    "import-b.example.net");

	/* A key that is not the certificate's: ValidationException. */
	keycert_make(&mism, "mismatch.example.net", 0);
	SYNC(&r, acm_import_certificate(F.cred, REGION, NULL, a.cert, mism.key,
	    NULL, NULL, res_cb, &r));
	expect_err(&r, "ValidationException", AWS_ERR_CLIENT, 400, 1);
	assert_string_equal(r.message, "The private key does not match the "
	    "public key in the certificate.");

	/* Tags. */
	SYNC(&r, acm_list_tags(F.cred, REGION, arn, res_cb, &r));
	expect_ok(&r, "ListTagsForCertificate");
	assert_int_equal(json_array_size(json_object_get(r.json, "Tags")), 1);
	assert_string_equal(jstr(r.json, "Tags.0.Key"), "env");
	assert_string_equal(jstr(r.json, "Tags.0.Value"), "test");
	tags = json_pack("[{s:s, s:s}]", "Key", "owner", "Value", "acmd");
	SYNC(&r, acm_add_tags(F.cred, REGION, arn, tags, res_cb, &r));
	json_decref(tags);
	expect_ok(&r, "AddTagsToCertificate");
	SYNC(&r, acm_list_tags(F.cred, REGION, arn, res_cb, &r));
	expect_ok(&r, "ListTagsForCertificate");
	assert_int_equal(json_array_size(json_object_get(r.json, "Tags")), 2);
	assert_string_equal(jstr(r.json, "Tags.1.Key"), "owner");
	assert_string_equal(jstr(r.json, "Tags.1.Value"), "acmd");

	/* Delete; then it is gone. */
	SYNC(&r, acm_delete_certificate(F.cred, REGION, arn, res_cb, &r));
	expect_ok(&r, "DeleteCertificate");
	SYNC(&r, acm_describe_certificate(F.cred, REGION, arn, res_cb, &r));
	expect_err(&r, "ResourceNotFoundException", AWS_ERR_CLIENT, 400, 1);
	assert_non_null(strstr(r.message, arn));

	res_clear(&r);
	free(arn);
	keycert_free(&a);
	keycert_free(&b);
	keycert_free(&mism);
}

static char *
create_zone(const char *name)
{
	struct res	 r = { 0 };
	char		*body, *id;

	xasprintf(&body, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<CreateHostedZoneRequest xmlns=\"https://route53.amazonaws.com/"
	    "doc/2013-04-01/\"><Name>%s</Name><CallerReference>test-%ld"
	    "</CallerReference></CreateHostedZoneRequest>", name,
	    (long)now_ms());
	SYNC(&r, aws_rest(F.cred, &aws_svc_route53, "CreateHostedZone", "POST",
	    "/2013-04-01/hostedzone", NULL, body, res_cb, &r));
	expect_ok(&r, "CreateHostedZone");
	assert_int_equal(r.status, 201);
	id = xstrdup(xml_text(r.xml, "HostedZone/Id"));
	res_clear(&r);
	free(body);
	return (id);
}

static void
test_acm_request_dns_route53(void **state)
{
	struct res		 r = { 0 };
	const struct xml_node	*z;
	json_t			*body;
	char			*arn, *zone, *rname, *rvalue, *change;
	const char		*names[1], *values[1], *st;
	uint64_t		 t0;

	(void)state;
	emu_post("/_emu/config", "{\"change_delay\": 0.5}");
	zone = create_zone("example.com");

	body = json_pack("{s:s, s:s, s:s}", "DomainName", "www.example.com",
	    "ValidationMethod", "DNS", "IdempotencyToken", "acmdtest1");
	SYNC(&r, acm_request_certificate(F.cred, REGION, body, res_cb, &r));
	expect_ok(&r, "RequestCertificate");
	arn = xstrdup(jstr(r.json, "CertificateArn"));

	/*
	 * As at AWS, the validation records come a few seconds after the
	 * request (DomainValidationOptions first empty, then without
	 * ResourceRecord): ask until they are there.
	 */
	t0 = now_ms();
	for (;;) {
		SYNC(&r, acm_describe_certificate(F.cred, REGION, arn, res_cb,
		    &r));
		expect_ok(&r, "DescribeCertificate");
		if (jstr(r.json, "Certificate.DomainValidationOptions.0."
		    "ResourceRecord.Name") != NULL)
			break;
		assert_true(now_ms() - t0 < 20000);
		usleep(200 * 1000);
	}
	assert_string_equal(jstr(r.json, "Certificate.Status"),
	    "PENDING_VALIDATION");
	assert_string_equal(jstr(r.json, "Certificate.Type"), "AMAZON_ISSUED");
	assert_string_equal(jstr(r.json,
	    "Certificate.DomainValidationOptions.0.ValidationMethod"), "DNS");
	assert_string_equal(jstr(r.json,
	    "Certificate.DomainValidationOptions.0.ResourceRecord.Type"),
	    "CNAME");
	rname = xstrdup(jstr(r.json,
	    "Certificate.DomainValidationOptions.0.ResourceRecord.Name"));
	rvalue = xstrdup(jstr(r.json,
	    "Certificate.DomainValidationOptions.0.ResourceRecord.Value"));
	assert_non_null(strstr(rname, ".www.example.com."));

	/* Not issued yet. */
	SYNC(&r, acm_get_certificate(F.cred, REGION, arn, res_cb, &r));
	expect_err(&r, "RequestInProgressException", AWS_ERR_CLIENT, 400, 1);
	assert_non_null(strstr(r.message, arn));

	/* The zone by name. */
	SYNC(&r, route53_list_hosted_zones_by_name(F.cred, "example.com", NULL,
	    res_cb, &r));
	expect_ok(&r, "ListHostedZonesByName");
	z = xml_path(r.xml, "HostedZones/HostedZone");
	assert_non_null(z);
	assert_string_equal(xml_text(z, "Name"), "example.com.");
	assert_string_equal(xml_text(z, "Id"), zone);

	names[0] = rname;
	values[0] = rvalue;
	SYNC(&r, route53_change_cname(F.cred, zone, "CREATE", names, values, 1,
	    res_cb, &r));
	expect_ok(&r, "ChangeResourceRecordSets CREATE");
	assert_non_null(xml_text(r.xml, "ChangeInfo/Id"));

	/* CREATE of an existing record. */
	SYNC(&r, route53_change_cname(F.cred, zone, "CREATE", names, values, 1,
	    res_cb, &r));
	expect_err(&r, "InvalidChangeBatch", AWS_ERR_CLIENT, 400, 1);
	assert_non_null(strstr(r.message, "but it already exists"));

	SYNC(&r, route53_change_cname(F.cred, zone, "UPSERT", names, values, 1,
	    res_cb, &r));
	expect_ok(&r, "ChangeResourceRecordSets UPSERT");
	change = xstrdup(xml_text(r.xml, "ChangeInfo/Id"));
	assert_non_null(strstr(change, "/change/"));

	/* GetChange until INSYNC. */
	t0 = now_ms();
	for (;;) {
		SYNC(&r, route53_get_change(F.cred, change, res_cb, &r));
		expect_ok(&r, "GetChange");
		st = xml_text(r.xml, "ChangeInfo/Status");
		assert_non_null(st);
		if (strcmp(st, "INSYNC") == 0)
			break;
		assert_string_equal(st, "PENDING");
		assert_true(now_ms() - t0 < 20000);
		run_for(200);
	}

	/* The emulator validates against its Route 53: issued. */
	emu_post("/_emu/validate-now", "{}");
	SYNC(&r, acm_describe_certificate(F.cred, REGION, arn, res_cb, &r));
	expect_ok(&r, "DescribeCertificate");
	assert_string_equal(jstr(r.json, "Certificate.Status"), "ISSUED");
	SYNC(&r, acm_get_certificate(F.cred, REGION, arn, res_cb, &r));
	expect_ok(&r, "GetCertificate");
	assert_non_null(strstr(jstr(r.json, "Certificate") ?: "",
	    "-----BEGIN CERTIFICATE-----"));
	assert_non_null(strstr(jstr(r.json, "CertificateChain") ?: "",
	    "-----BEGIN CERTIFICATE-----"));

	res_clear(&r);
	free(arn);
	free(zone);
	free(rname);
	free(rvalue);
	free(change);
}

static int
pass_cb(char *buf, int size, int rwflag, void *u)
{
	(void)rwflag;
	snprintf(buf, (size_t)size, "%s", (const char *)u);
	return ((int)strlen(buf));
}

static void
test_acm_private_export_renew_revoke(void **state)
{
	struct res	 r = { 0 };
	json_t		*ca, *body, *v;
	char		*ca_arn, *arn, *serial1, *serial2;
	const char	*pw = "one-time passphrase";
	BIO		*b;
	EVP_PKEY	*pk;
	X509		*x;
	size_t		 i;
	int		 found = 0;

	(void)state;
	ca = emu_admin("POST", "/_emu/pca", "{\"common_name\": \"Test CA\"}");
	ca_arn = xstrdup(jstr(ca, "arn"));

	SYNC(&r, pca_list_certificate_authorities(F.cred, REGION, NULL, res_cb,
	    &r));
	expect_ok(&r, "ListCertificateAuthorities");
	json_array_foreach(json_object_get(r.json, "CertificateAuthorities"),
	    i, v) {
		if (strcmp(jstr(v, "Arn") ?: "", ca_arn) == 0) {
			found = 1;
			assert_string_equal(jstr(v, "Status"), "ACTIVE");
		}
	}
	assert_true(found);

	SYNC(&r, pca_get_ca_certificate(F.cred, REGION, ca_arn, res_cb, &r));
	expect_ok(&r, "GetCertificateAuthorityCertificate");
	x = pem_x509(jstr(ca, "certificate"));
	assert_non_null(x);
	assert_true(same_cert(jstr(r.json, "Certificate"), x));
	X509_free(x);
	json_decref(ca);

	body = json_pack("{s:s, s:s}", "DomainName", "private.corp.example",
	    "CertificateAuthorityArn", ca_arn);
	SYNC(&r, acm_request_certificate(F.cred, REGION, body, res_cb, &r));
	expect_ok(&r, "RequestCertificate (private)");
	arn = xstrdup(jstr(r.json, "CertificateArn"));
	SYNC(&r, acm_describe_certificate(F.cred, REGION, arn, res_cb, &r));
	expect_ok(&r, "DescribeCertificate");
	assert_string_equal(jstr(r.json, "Certificate.Type"), "PRIVATE");
	assert_string_equal(jstr(r.json, "Certificate.Status"), "ISSUED");
	serial1 = xstrdup(jstr(r.json, "Certificate.Serial"));

	/* Export: an encrypted PKCS#8 key that our passphrase opens. */
	SYNC(&r, acm_export_certificate(F.cred, REGION, arn, pw, res_cb, &r));
	expect_ok(&r, "ExportCertificate");
	assert_non_null(strstr(jstr(r.json, "PrivateKey") ?: "",
	    "-----BEGIN ENCRYPTED PRIVATE KEY-----"));
	x = pem_x509(jstr(r.json, "Certificate"));
	assert_non_null(x);
	b = BIO_new_mem_buf(jstr(r.json, "PrivateKey"), -1);
	pk = PEM_read_bio_PrivateKey(b, NULL, pass_cb, (void *)"wrong");
	assert_null(pk);
	BIO_free(b);
	b = BIO_new_mem_buf(jstr(r.json, "PrivateKey"), -1);
	pk = PEM_read_bio_PrivateKey(b, NULL, pass_cb, (void *)pw);
	BIO_free(b);
	assert_non_null(pk);
	assert_int_equal(X509_check_private_key(x, pk), 1);
	EVP_PKEY_free(pk);
	X509_free(x);

	/* Renew: a new certificate (new serial) on the same ARN. */
	SYNC(&r, acm_renew_certificate(F.cred, REGION, arn, res_cb, &r));
	expect_ok(&r, "RenewCertificate");
	SYNC(&r, acm_describe_certificate(F.cred, REGION, arn, res_cb, &r));
	expect_ok(&r, "DescribeCertificate after renewal");
	assert_string_equal(jstr(r.json,
	    "Certificate.RenewalSummary.RenewalStatus"), "SUCCESS");
	serial2 = xstrdup(jstr(r.json, "Certificate.Serial"));
	assert_string_not_equal(serial1, serial2);

	/* Revoke by serial; the certificate shows REVOKED. */
	SYNC(&r, pca_revoke_certificate(F.cred, REGION, ca_arn, serial2,
	    "SUPERSEDED", res_cb, &r));
	expect_ok(&r, "RevokeCertificate");
	SYNC(&r, acm_describe_certificate(F.cred, REGION, arn, res_cb, &r));
	expect_ok(&r, "DescribeCertificate after revocation");
	assert_string_equal(jstr(r.json, "Certificate.Status"), "REVOKED");
	assert_string_equal(jstr(r.json, "Certificate.RevocationReason"),
	    "SUPERSEDED");
	SYNC(&r, pca_revoke_certificate(F.cred, REGION, ca_arn, serial2,
	    "SUPERSEDED", res_cb, &r));
	expect_err(&r, "RequestAlreadyProcessedException", AWS_ERR_CLIENT, 400,
	    1);

	res_clear(&r);
	free(ca_arn);
	free(arn);
	free(serial1);
	free(serial2);
}

static void
test_acm_email_resend_account_config(void **state)
{
	struct res	 r = { 0 };
	json_t		*body, *st, *certs, *v;
	char		*arn, *path;
	size_t		 i;
	long		 resends = -1;

	(void)state;
	body = json_pack("{s:s, s:s}", "DomainName", "mail.example.org",
	    "ValidationMethod", "EMAIL");
	SYNC(&r, acm_request_certificate(F.cred, REGION, body, res_cb, &r));
	expect_ok(&r, "RequestCertificate (email)");
	arn = xstrdup(jstr(r.json, "CertificateArn"));

	SYNC(&r, acm_resend_validation_email(F.cred, REGION, arn,
	    "mail.example.org", "example.org", res_cb, &r));
	expect_ok(&r, "ResendValidationEmail");
	st = emu_admin("GET", "/_emu/state", NULL);
	xasprintf(&path, "accounts.%s.regions.%s.certificates", ACCOUNT,
	    REGION);
	certs = jget(st, path);
	json_array_foreach(certs, i, v) {
		if (strcmp(jstr(v, "arn") ?: "", arn) == 0)
			resends = (long)json_integer_value(json_object_get(v,
			    "resends"));
	}
	assert_int_equal(resends, 1);
	json_decref(st);
	free(path);

	json_decref(emu_admin("POST", "/_emu/approve-email",
	    "{\"arn\": \"%s\"}", arn));
	SYNC(&r, acm_describe_certificate(F.cred, REGION, arn, res_cb, &r));
	expect_ok(&r, "DescribeCertificate");
	assert_string_equal(jstr(r.json, "Certificate.Status"), "ISSUED");
	SYNC(&r, acm_resend_validation_email(F.cred, REGION, arn,
	    "mail.example.org", "example.org", res_cb, &r));
	expect_err(&r, "InvalidStateException", AWS_ERR_CLIENT, 400, 1);

	SYNC(&r, acm_get_account_configuration(F.cred, REGION, res_cb, &r));
	expect_ok(&r, "GetAccountConfiguration");
	assert_int_equal(json_integer_value(jget(r.json,
	    "ExpiryEvents.DaysBeforeExpiry")), 45);
	res_clear(&r);
	free(arn);
}

/* ---- 1. happy paths: IAM, STS ---- */

static void
iam_upload(struct res *r, const char *name, const struct keycert *kc)
{
	struct sigv4_param	 p[3] = {
		{ "ServerCertificateName", name },
		{ "CertificateBody", kc->cert },
		{ "PrivateKey", kc->key },
	};

	res_clear(r);
	aws_query(F.cred, &aws_svc_iam, NULL, "UploadServerCertificate", p, 3,
	    res_cb, r);
}

static void
test_iam_upload_list_get_limit(void **state)
{
	struct res		 r = { 0 }, many[17];
	struct keycert		 kc;
	const struct xml_node	*list, *m;
	char			 name[32];
	int			 i, done = 0;

	(void)state;
	keycert_make(&kc, "iam.example.net", 0);
	for (i = 0; i < 3; i++) {
		snprintf(name, sizeof name, "cert-%d", i);
		iam_upload(&r, name, &kc);
		res_wait(&r);
		expect_ok(&r, "UploadServerCertificate");
	}

	SYNC(&r, iam_list_server_certificates(F.cred, NULL, res_cb, &r));
	expect_ok(&r, "ListServerCertificates");
	list = xml_path(r.xml,
	    "ListServerCertificatesResult/ServerCertificateMetadataList");
	assert_int_equal(xml_count(list, "member"), 3);
	assert_string_equal(xml_text(r.xml,
	    "ListServerCertificatesResult/IsTruncated"), "false");
	m = xml_child(list, "member");
	assert_string_equal(xml_text(m, "ServerCertificateName"), "cert-0");
	assert_non_null(strstr(xml_text(m, "Arn"),
	    "arn:aws:iam::" ACCOUNT ":server-certificate/cert-0"));

	SYNC(&r, iam_get_server_certificate(F.cred, "cert-1", res_cb, &r));
	expect_ok(&r, "GetServerCertificate");
	assert_string_equal(xml_text(r.xml, "GetServerCertificateResult/"
	    "ServerCertificate/ServerCertificateMetadata/ServerCertificateName"),
	    "cert-1");
	assert_true(same_cert(xml_text(r.xml, "GetServerCertificateResult/"
	    "ServerCertificate/CertificateBody"), kc.x509));

	SYNC(&r, iam_get_server_certificate(F.cred, "no-such-cert", res_cb,
	    &r));
	expect_err(&r, "NoSuchEntity", AWS_ERR_CLIENT, 404, 1);
	assert_string_equal(r.message, "The Server Certificate with name "
	    "no-such-cert cannot be found.");

	/* The emulator's quota is 20: the 21st is LimitExceeded, once. */
	memset(many, 0, sizeof many);
	for (i = 0; i < 17; i++) {
		snprintf(name, sizeof name, "more-%d", i);
		iam_upload(&many[i], name, &kc);
		many[i].counter = &done;
	}
	assert_int_equal(run_until(&done, 17, WAIT_MS), 0);
	for (i = 0; i < 17; i++) {
		expect_ok(&many[i], "UploadServerCertificate");
		res_clear(&many[i]);
	}
	iam_upload(&r, "one-too-many", &kc);
	res_wait(&r);
	expect_err(&r, "LimitExceeded", AWS_ERR_QUOTA, 409, 1);
	assert_int_equal(emu_requests("iam", "UploadServerCertificate"), 21);

	res_clear(&r);
	keycert_free(&kc);
}

#define IAM_MANY	1005

static void
test_iam_list_marker(void **state)
{
	struct res		*many, r = { 0 };
	struct keycert		 kc;
	const struct xml_node	*list;
	char			 name[32], *marker;
	int			 i, done = 0;

	(void)state;
	emu_post("/_emu/quotas", "{\"iam_cert_limit\": 5000}");
	keycert_make(&kc, "iam-many.example.net", 0);
	many = xcalloc(IAM_MANY, sizeof *many);
	for (i = 0; i < IAM_MANY; i++) {
		snprintf(name, sizeof name, "bulk-%04d", i);
		iam_upload(&many[i], name, &kc);
		many[i].counter = &done;
	}
	assert_int_equal(run_until(&done, IAM_MANY, 120000), 0);
	for (i = 0; i < IAM_MANY; i++) {
		expect_ok(&many[i], "UploadServerCertificate");
		res_clear(&many[i]);
	}
	free(many);

	SYNC(&r, iam_list_server_certificates(F.cred, NULL, res_cb, &r));
	expect_ok(&r, "ListServerCertificates page 1");
	list = xml_path(r.xml,
	    "ListServerCertificatesResult/ServerCertificateMetadataList");
	assert_int_equal(xml_count(list, "member"), 1000);
	assert_string_equal(xml_text(r.xml,
	    "ListServerCertificatesResult/IsTruncated"), "true");
	assert_non_null(xml_text(r.xml, "ListServerCertificatesResult/Marker"));
	marker = xstrdup(xml_text(r.xml, "ListServerCertificatesResult/Marker"));

	SYNC(&r, iam_list_server_certificates(F.cred, marker, res_cb, &r));
	expect_ok(&r, "ListServerCertificates page 2");
	list = xml_path(r.xml,
	    "ListServerCertificatesResult/ServerCertificateMetadataList");
	assert_int_equal(xml_count(list, "member"), IAM_MANY - 1000);
	assert_string_equal(xml_text(xml_child(list, "member"),
	    "ServerCertificateName"), "bulk-1000");
	assert_string_equal(xml_text(r.xml,
	    "ListServerCertificatesResult/IsTruncated"), "false");
	assert_null(xml_text(r.xml, "ListServerCertificatesResult/Marker"));

	free(marker);
	res_clear(&r);
	keycert_free(&kc);
}

static void
test_sts_identity_assume_role(void **state)
{
	struct res	 r = { 0 };
	struct aws_cred	*role;
	json_t		*list;

	(void)state;
	SYNC(&r, sts_get_caller_identity(F.cred, res_cb, &r));
	expect_ok(&r, "GetCallerIdentity");
	assert_string_equal(xml_text(r.xml, "GetCallerIdentityResult/Account"),
	    ACCOUNT);

	seed("\"account\": \"" OTHER_ACCOUNT "\", \"count_per_region\": 1, "
	    "\"types\": [\"IMPORTED\"]");
	role = aws_cred_assume("other", F.cred,
	    "arn:aws:iam::" OTHER_ACCOUNT ":role/acmd-test", "ext-123");

	SYNC(&r, sts_get_caller_identity(role, res_cb, &r));
	expect_ok(&r, "GetCallerIdentity (assumed)");
	assert_string_equal(xml_text(r.xml, "GetCallerIdentityResult/Account"),
	    OTHER_ACCOUNT);
	assert_non_null(strstr(xml_text(r.xml, "GetCallerIdentityResult/Arn"),
	    ":assumed-role/acmd-test/"));
	assert_non_null(role->session_token);
	assert_true(role->expires > time(NULL) + 600);

	/* ACM calls land in the other account. */
	SYNC(&r, acm_list_certificates(role, REGION, NULL, 0, NULL, res_cb,
	    &r));
	expect_ok(&r, "ListCertificates (assumed)");
	list = json_object_get(r.json, "CertificateSummaryList");
	assert_int_equal(json_array_size(list), 1);
	assert_non_null(strstr(jstr(list, "0.CertificateArn"),
	    ":" OTHER_ACCOUNT ":certificate/"));
	SYNC(&r, acm_list_certificates(F.cred, REGION, NULL, 0, NULL, res_cb,
	    &r));
	expect_ok(&r, "ListCertificates (base)");
	assert_int_equal(json_array_size(json_object_get(r.json,
	    "CertificateSummaryList")), 0);
	/* One AssumeRole for all of it. */
	assert_int_equal(emu_requests("sts", "AssumeRole"), 1);

	res_clear(&r);
	aws_cred_unref(role);
}

/* ---- 2. documented errors ---- */

static void
test_err_not_found_limit(void **state)
{
	struct res	 r = { 0 };
	json_t		*body, *sans;
	char		*arn;
	int		 i;

	(void)state;
	SYNC(&r, acm_describe_certificate(F.cred, REGION, NO_SUCH_ARN, res_cb,
	    &r));
	expect_err(&r, "ResourceNotFoundException", AWS_ERR_CLIENT, 400, 1);
	assert_non_null(strstr(r.message, NO_SUCH_ARN));

	/* More than 10 names: LimitExceededException, never retried. */
	sans = json_array();
	for (i = 0; i < 11; i++) {
		char	n[32];

		snprintf(n, sizeof n, "n%d.example.com", i);
		json_array_append_new(sans, json_string(n));
	}
	body = json_pack("{s:s, s:o, s:s}", "DomainName", "n0.example.com",
	    "SubjectAlternativeNames", sans, "ValidationMethod", "DNS");
	SYNC(&r, acm_request_certificate(F.cred, REGION, body, res_cb, &r));
	expect_err(&r, "LimitExceededException", AWS_ERR_QUOTA, 400, 1);
	assert_int_equal(emu_requests("acm", "RequestCertificate"), 1);

	/* The certificate quota: also LimitExceededException, once. */
	arn = import_one("first.example.net");
	free(arn);
	emu_post("/_emu/quotas", "{\"cert_limit\": 1}");
	{
		struct keycert	kc;

		keycert_make(&kc, "second.example.net", 0);
		SYNC(&r, acm_import_certificate(F.cred, REGION, NULL, kc.cert,
		    kc.key, NULL, NULL, res_cb, &r));
		keycert_free(&kc);
	}
	expect_err(&r, "LimitExceededException", AWS_ERR_QUOTA, 400, 1);
	assert_non_null(strstr(r.message, "limit"));
	assert_int_equal(STAT_DELTA(retries), 0);
	res_clear(&r);
}

static void
test_err_auth(void **state)
{
	struct res	 r = { 0 };
	struct aws_cred	*bad, *unknown;

	(void)state;
	bad = aws_cred_new("bad", AKID, "not-the-secret", NULL);
	unknown = aws_cred_new("unknown", "AKIDUNKNOWN000000000", SECRET,
	    NULL);

	SYNC(&r, acm_describe_certificate(bad, REGION, NO_SUCH_ARN, res_cb,
	    &r));
	expect_err(&r, "InvalidSignatureException", AWS_ERR_AUTH, 403, 1);
	assert_non_null(strstr(r.message, "signature"));
	SYNC(&r, sts_get_caller_identity(bad, res_cb, &r));
	expect_err(&r, "SignatureDoesNotMatch", AWS_ERR_AUTH, 403, 1);
	assert_non_null(strstr(r.message, "signature"));
	SYNC(&r, iam_list_server_certificates(bad, NULL, res_cb, &r));
	expect_err(&r, "SignatureDoesNotMatch", AWS_ERR_AUTH, 403, 1);

	SYNC(&r, acm_describe_certificate(unknown, REGION, NO_SUCH_ARN, res_cb,
	    &r));
	expect_err(&r, "UnrecognizedClientException", AWS_ERR_AUTH, 400, 1);
	assert_string_equal(r.message, "The security token included in the "
	    "request is invalid.");
	SYNC(&r, sts_get_caller_identity(unknown, res_cb, &r));
	expect_err(&r, "InvalidClientTokenId", AWS_ERR_AUTH, 403, 1);
	SYNC(&r, route53_list_hosted_zones_by_name(unknown, NULL, NULL, res_cb, &r));
	expect_err(&r, "InvalidClientTokenId", AWS_ERR_AUTH, 403, 1);

	assert_int_equal(STAT_DELTA(attempts), 6);
	assert_int_equal(STAT_DELTA(retries), 0);
	assert_int_equal(STAT_DELTA(failed), 6);

	/* A role whose base keys are wrong: the reason comes through. */
	{
		struct aws_cred	*role = aws_cred_assume("badrole", bad,
		    "arn:aws:iam::" OTHER_ACCOUNT ":role/x", NULL);

		SYNC(&r, sts_get_caller_identity(role, res_cb, &r));
		expect_err(&r, "CredentialsError", AWS_ERR_CLIENT, 0, 0);
		assert_non_null(strstr(r.message, "SignatureDoesNotMatch"));
		aws_cred_unref(role);
	}
	res_clear(&r);
	aws_cred_unref(bad);
	aws_cred_unref(unknown);
}

/* ---- 3. retries ---- */

static void
test_retry_500(void **state)
{
	struct res	 r = { 0 };
	char		*arn;

	(void)state;
	arn = import_one("retry.example.net");
	emu_post("/_emu/faults", "{\"service\": \"acm\", \"operation\": "
	    "\"DescribeCertificate\", \"error_rate\": 1, \"count\": 2}");
	SYNC(&r, acm_describe_certificate(F.cred, REGION, arn, res_cb, &r));
	expect_ok(&r, "DescribeCertificate through two 500s");
	assert_int_equal(r.attempts, 3);
	assert_string_equal(jstr(r.json, "Certificate.CertificateArn"), arn);
	assert_int_equal(emu_requests("acm", "DescribeCertificate"), 3);
	assert_int_equal(STAT_DELTA(retries), 2);

	/* 503 too. */
	emu_post("/_emu/faults", "{\"service\": \"acm\", \"operation\": "
	    "\"GetCertificate\", \"error_rate\": 1, \"error_status\": 503, "
	    "\"count\": 1}");
	SYNC(&r, acm_get_certificate(F.cred, REGION, arn, res_cb, &r));
	expect_ok(&r, "GetCertificate through a 503");
	assert_int_equal(r.attempts, 2);
	res_clear(&r);
	free(arn);
}

static void
test_retry_throttle_fault(void **state)
{
	struct res	 r = { 0 };
	char		*arn;
	uint64_t	 thr;

	(void)state;
	arn = import_one("throttle.example.net");
	thr = STAT_DELTA(throttled);
	emu_post("/_emu/faults", "{\"service\": \"acm\", \"operation\": "
	    "\"DescribeCertificate\", \"throttle_rate\": 1, \"count\": 2}");
	SYNC(&r, acm_describe_certificate(F.cred, REGION, arn, res_cb, &r));
	expect_ok(&r, "DescribeCertificate through two throttles");
	assert_int_equal(r.attempts, 3);
	assert_int_equal(STAT_DELTA(throttled) - thr, 2);
	assert_int_equal(emu_throttled_total(), 2);
	res_clear(&r);
	free(arn);
}

/*
 * ncalls DescribeCertificate calls on arn at once, beyond what the
 * emulator lets through unthrottled: every call gets through, some of
 * them only on a retry, and the throttles are counted on both sides.
 * Frees arn.
 */
static void
describe_burst_throttled(char *arn, int ncalls, const char *what)
{
	struct res	*r;
	int		 i, done = 0, retried = 0;

	r = xcalloc(ncalls, sizeof *r);
	for (i = 0; i < ncalls; i++) {
		r[i].counter = &done;
		acm_describe_certificate(F.cred, REGION, arn, res_cb, &r[i]);
	}
	if (run_until(&done, ncalls, 60000) != 0) {
		/*
		 * The stuck calls are freed by aws_shutdown, unanswered; r
		 * is left to them.
		 */
		for (i = 0; i < ncalls; i++)
			res_clear(&r[i]);
		free(arn);
		fail_msg("%d of %d calls answered in 60 s", done, ncalls);
	}
	for (i = 0; i < ncalls; i++) {
		expect_ok(&r[i], what);
		if (r[i].attempts > 1)
			retried++;
		res_clear(&r[i]);
	}
	free(r);
	assert_true(retried > 0);
	assert_true(STAT_DELTA(throttled) > 0);
	assert_true(emu_throttled_total() > 0);
	free(arn);
}

#define BYPASS_CALLS	25

/*
 * The engine's own limit lifted ([aws] rates = DescribeCertificate=0):
 * a burst beyond the emulator's 10/s is throttled, and the retries get
 * every call through.
 */
static void
test_retry_throttle_bypassed(void **state)
{
	char	*arn;

	(void)state;
	arn = import_one("bypass.example.net");
	free(F.conf->rates);
	F.conf->rates = xstrdup("DescribeCertificate=0");
	reconfigure(10, 30);
	describe_burst_throttled(arn, BYPASS_CALLS,
	    "DescribeCertificate, engine limit lifted");
}

#define QUOTA_CALLS	12

/*
 * The engine paced at 10/s, the emulator's quota lowered to 3/s: the
 * engine is throttled, and a retried call then waits for its rate-limit
 * slot; every call must still get through.
 */
static void
test_retry_throttle_quota(void **state)
{
	char	*arn;

	(void)state;
	arn = import_one("quota.example.net");
	reconfigure(10, 30);
	emu_post("/_emu/quotas", "{\"enabled\": true, \"rates\": "
	    "{\"DescribeCertificate\": 3}}");
	describe_burst_throttled(arn, QUOTA_CALLS,
	    "DescribeCertificate under a 3/s quota");
}

static void
test_retry_dropped_connection(void **state)
{
	struct res	 r = { 0 };
	char		*arn;

	(void)state;
	arn = import_one("drop.example.net");
	reconfigure(5, 30);
	/*
	 * libcurl itself sends a request again, once, when a reused
	 * connection dies before any answer; so three drops are needed for
	 * the engine to see at least one failed attempt.
	 */
	emu_post("/_emu/faults", "{\"service\": \"acm\", \"operation\": "
	    "\"DescribeCertificate\", \"drop_rate\": 1, \"count\": 3}");
	SYNC(&r, acm_describe_certificate(F.cred, REGION, arn, res_cb, &r));
	expect_ok(&r, "DescribeCertificate after dropped connections");
	if (r.attempts < 2 || r.attempts > 4)
		fail_msg("%u attempts through 3 drops", r.attempts);
	assert_int_equal(emu_requests("acm", "DescribeCertificate"), 4);
	assert_true(STAT_DELTA(retries) >= 1);

	/* A truncated answer is retried too. */
	emu_post("/_emu/faults", "{\"service\": \"acm\", \"operation\": "
	    "\"GetCertificate\", \"malformed_rate\": 1, \"count\": 1}");
	SYNC(&r, acm_get_certificate(F.cred, REGION, arn, res_cb, &r));
	expect_ok(&r, "GetCertificate after a truncated answer");
	assert_int_equal(r.attempts, 2);
	res_clear(&r);
	free(arn);
}

static void
test_retry_timeout(void **state)
{
	struct res	 r = { 0 };
	uint64_t	 t0, ms;

	(void)state;
	reconfigure(2, 1);
	emu_post("/_emu/faults", "{\"service\": \"acm\", \"operation\": "
	    "\"DescribeCertificate\", \"delay_ms\": 2500}");
	t0 = now_ms();
	SYNC(&r, acm_describe_certificate(F.cred, REGION, NO_SUCH_ARN, res_cb,
	    &r));
	ms = now_ms() - t0;
	expect_err(&r, "RequestTimeout", AWS_ERR_TRANSIENT, 0, 2);
	assert_int_equal(r.status, 0);
	if (strstr(r.message, "timed out") == NULL)
		fail_msg("unclear timeout message: %s", r.message);
	assert_true(ms >= 1900);
	assert_int_equal(STAT_DELTA(attempts), 2);
	assert_int_equal(STAT_DELTA(retries), 1);
	res_clear(&r);
}

static void
test_retry_max_attempts(void **state)
{
	struct res	 r = { 0 };

	(void)state;
	emu_post("/_emu/faults", "{\"service\": \"acm\", \"operation\": "
	    "\"DescribeCertificate\", \"error_rate\": 1}");

	reconfigure(1, 30);
	SYNC(&r, acm_describe_certificate(F.cred, REGION, NO_SUCH_ARN, res_cb,
	    &r));
	expect_err(&r, "InternalFailure", AWS_ERR_TRANSIENT, 500, 1);
	assert_int_equal(emu_requests("acm", "DescribeCertificate"), 1);

	reconfigure(4, 30);
	SYNC(&r, acm_describe_certificate(F.cred, REGION, NO_SUCH_ARN, res_cb,
	    &r));
	expect_err(&r, "InternalFailure", AWS_ERR_TRANSIENT, 500, 4);
	assert_int_equal(emu_requests("acm", "DescribeCertificate"), 5);
	assert_int_equal(STAT_DELTA(attempts), 5);
	assert_int_equal(STAT_DELTA(retries), 3);
	assert_int_equal(STAT_DELTA(calls), 2);
	assert_int_equal(STAT_DELTA(failed), 2);
	res_clear(&r);
}

/* ---- 4. rate limits ---- */

#define BURST_CALLS	30

static void
test_ratelimit_no_throttling(void **state)
{
	struct res	 r[BURST_CALLS];
	char		*arn;
	int		 i, done = 0;
	uint64_t	 t0, ms, thr;

	(void)state;
	arn = import_one("rate.example.net");
	emu_post("/_emu/stats/reset", "{}");
	thr = STAT_DELTA(throttled);
	memset(r, 0, sizeof r);
	t0 = now_ms();
	for (i = 0; i < BURST_CALLS; i++) {
		r[i].counter = &done;
		acm_describe_certificate(F.cred, REGION, arn, res_cb, &r[i]);
	}
	assert_int_equal(run_until(&done, BURST_CALLS, 30000), 0);
	ms = now_ms() - t0;
	for (i = 0; i < BURST_CALLS; i++) {
		expect_ok(&r[i], "DescribeCertificate in a burst");
		assert_int_equal(r[i].attempts, 1);
		res_clear(&r[i]);
	}
	assert_int_equal(STAT_DELTA(throttled) - thr, 0);
	assert_int_equal(emu_throttled_total(), 0);
	assert_int_equal(emu_requests("acm", "DescribeCertificate"),
	    BURST_CALLS);
	/* 10/s with a burst under 10: at least ~2 s for 30. */
	if (ms < 1500 || ms > 10000)
		fail_msg("30 calls took %llu ms", (unsigned long long)ms);
	free(arn);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_acm_list_all_key_types,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_acm_list_pagination,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_acm_import_describe_get_tags_delete, setup, teardown),
		cmocka_unit_test_setup_teardown(test_acm_request_dns_route53,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_acm_private_export_renew_revoke, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_acm_email_resend_account_config, setup, teardown),
		cmocka_unit_test_setup_teardown(test_iam_upload_list_get_limit,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_iam_list_marker,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_sts_identity_assume_role,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_err_not_found_limit,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_err_auth,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_retry_500,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_retry_throttle_fault,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_retry_throttle_bypassed,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_retry_throttle_quota,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_retry_dropped_connection,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_retry_timeout,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_retry_max_attempts,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_ratelimit_no_throttling,
		    setup, teardown),
	};

	if (getenv("AWS_TEST_FILTER") != NULL)
		cmocka_set_test_filter(getenv("AWS_TEST_FILTER"));
	return (cmocka_run_group_tests(tests, emu_start, emu_stop));
}
