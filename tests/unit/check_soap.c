/* The vim25 SOAP response parser. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/testutil.h"
#include "util/util.h"
#include "vcenter/soap.h"

/* vcsim declares the XSI namespace under an unusual prefix. */
#define ENV_OPEN "<?xml version=\"1.0\" encoding=\"UTF-8\"?>" \
	"<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\" " \
	"xmlns:XMLSchema-instance=\"http://www.w3.org/2001/XMLSchema-instance\" " \
	"xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\"><soapenv:Body>"
#define ENV_CLOSE "</soapenv:Body></soapenv:Envelope>"

static const char service_content[] = ENV_OPEN
	"<RetrieveServiceContentResponse xmlns=\"urn:vim25\"><returnval>"
	"<rootFolder type=\"Folder\">group-d1</rootFolder>"
	"<propertyCollector type=\"PropertyCollector\">propertyCollector</propertyCollector>"
	"<about><fullName>VMware vCenter Server 8.0</fullName><apiVersion>8.0.2.0</apiVersion></about>"
	"</returnval></RetrieveServiceContentResponse>" ENV_CLOSE;

static const char props[] = ENV_OPEN
	"<RetrievePropertiesExResponse xmlns=\"urn:vim25\"><returnval><token>tok-1</token>"
	"<objects><obj type=\"HostSystem\">host-21</obj>"
	"<propSet><name>name</name><val XMLSchema-instance:type=\"xsd:string\">esx-01</val></propSet>"
	"<propSet><name>config.dateTimeInfo</name><val XMLSchema-instance:type=\"HostDateTimeInfo\">"
	"<ntpConfig><server>0.pool</server><server>1.pool</server></ntpConfig></val></propSet>"
	"<missingSet><path>config.lockdownMode</path><fault><fault XMLSchema-instance:type=\"NoPermission\"/></fault></missingSet>"
	"</objects>"
	"<objects><obj type=\"HostSystem\">host-22</obj>"
	"<propSet><name>name</name><val XMLSchema-instance:type=\"xsd:string\">esx&lt;02&gt;</val></propSet>"
	"</objects>"
	"</returnval></RetrievePropertiesExResponse>" ENV_CLOSE;

struct seen {
	int n;
	char names[4][64];
	char ntp[64];
	char missing[64];
	char xtype[64];
};

static int on_obj(void *ctx, const struct xnode *o)
{
	struct seen *s = ctx;
	const struct xnode *obj = xnode_child(o, "obj");
	ck_assert_ptr_nonnull(obj);
	ck_assert_str_eq(obj->mtype, "HostSystem");
	for (const struct xnode *p = o->child; p; p = p->next) {
		if (!strcmp(p->name, "propSet") && !strcmp(xnode_text(p, "name"), "name")) {
			snprintf(s->names[s->n], 64, "%s", xnode_text(p, "val"));
			snprintf(s->xtype, 64, "%s", xnode_child(p, "val")->xtype);
		}
		if (!strcmp(p->name, "propSet") && !strcmp(xnode_text(p, "name"), "config.dateTimeInfo")) {
			const struct xnode *ntp = xnode_path(p, "val.ntpConfig");
			for (const struct xnode *sv = ntp->child; sv; sv = sv->next) {
				strcat(s->ntp, sv->text);
				strcat(s->ntp, ";");
			}
		}
		if (!strcmp(p->name, "missingSet"))
			snprintf(s->missing, 64, "%s", xnode_text(p, "path"));
	}
	s->n++;
	return 0;
}

START_TEST(test_service_content_by_namespace)
{
	struct soap_result res;
	ck_assert_int_eq(soap_parse(service_content, strlen(service_content), NULL, NULL, &res), 0);
	ck_assert(!res.fault);
	ck_assert_str_eq(res.body->name, "RetrieveServiceContentResponse");
	const struct xnode *rv = xnode_child(res.body, "returnval");
	ck_assert_str_eq(xnode_text(rv, "rootFolder"), "group-d1");
	ck_assert_str_eq(xnode_child(rv, "rootFolder")->mtype, "Folder");
	ck_assert_str_eq(xnode_text(xnode_child(rv, "about"), "apiVersion"), "8.0.2.0");
	ck_assert_ptr_null(xnode_text(rv, "viewManager"));
	soap_result_release(&res);
}
END_TEST

START_TEST(test_objects_stream_and_token)
{
	struct seen s;
	memset(&s, 0, sizeof(s));
	struct soap_result res;
	ck_assert_int_eq(soap_parse(props, strlen(props), on_obj, &s, &res), 0);
	ck_assert_int_eq(s.n, 2);
	ck_assert_str_eq(s.names[0], "esx-01");
	ck_assert_str_eq(s.names[1], "esx<02>");
	ck_assert_str_eq(s.xtype, "string");
	ck_assert_str_eq(s.ntp, "0.pool;1.pool;");
	ck_assert_str_eq(s.missing, "config.lockdownMode");
	/* The streamed objects are gone; the token stays. */
	const struct xnode *rv = xnode_child(res.body, "returnval");
	ck_assert_ptr_null(xnode_child(rv, "objects"));
	ck_assert_str_eq(xnode_text(rv, "token"), "tok-1");
	soap_result_release(&res);
}
END_TEST

START_TEST(test_byte_by_byte_feeding)
{
	struct seen s;
	memset(&s, 0, sizeof(s));
	struct soap_parser *p = soap_parser_new(on_obj, &s);
	for (size_t i = 0; i < strlen(props); i++)
		ck_assert_int_eq(soap_parser_feed(p, props + i, 1), 0);
	struct soap_result res;
	ck_assert_int_eq(soap_parser_finish(p, &res), 0);
	soap_parser_free(p);
	ck_assert_int_eq(s.n, 2);
	ck_assert_str_eq(s.ntp, "0.pool;1.pool;");
	soap_result_release(&res);
}
END_TEST

START_TEST(test_fault_name_from_xsi_type)
{
	static const char f[] = ENV_OPEN "<soapenv:Fault><faultcode>ServerFaultCode</faultcode>"
		"<faultstring>Cannot complete login due to an incorrect user name or password.</faultstring>"
		"<detail><InvalidLoginFault xmlns=\"urn:vim25\" XMLSchema-instance:type=\"InvalidLogin\"></InvalidLoginFault>"
		"</detail></soapenv:Fault>" ENV_CLOSE;
	struct soap_result res;
	ck_assert_int_eq(soap_parse(f, strlen(f), NULL, NULL, &res), 0);
	ck_assert(res.fault);
	ck_assert_str_eq(res.fault_name, "InvalidLogin");
	ck_assert_ptr_nonnull(strstr(res.fault_string, "incorrect user name"));
	soap_result_release(&res);
}
END_TEST

START_TEST(test_fault_name_from_element)
{
	static const char f[] = ENV_OPEN "<soapenv:Fault><faultcode>ServerFaultCode</faultcode>"
		"<faultstring>The session is not authenticated.</faultstring>"
		"<detail><NotAuthenticatedFault xmlns=\"urn:vim25\"/></detail></soapenv:Fault>" ENV_CLOSE;
	struct soap_result res;
	ck_assert_int_eq(soap_parse(f, strlen(f), NULL, NULL, &res), 0);
	ck_assert(res.fault);
	ck_assert_str_eq(res.fault_name, "NotAuthenticated");
	soap_result_release(&res);
}
END_TEST

START_TEST(test_truncated_document_is_an_error)
{
	size_t len = strlen(props) / 2;
	struct seen s;
	memset(&s, 0, sizeof(s));
	struct soap_result res;
	ck_assert_int_eq(soap_parse(props, len, on_obj, &s, &res), -1);
	ck_assert_ptr_nonnull(res.error);
	soap_result_release(&res);
}
END_TEST

START_TEST(test_not_xml_is_an_error_with_line)
{
	static const char html[] = "<html><body>502 Bad Gateway<br></body>\n</html>";
	struct soap_result res;
	ck_assert_int_eq(soap_parse(html, strlen(html), NULL, NULL, &res), -1);
	ck_assert_ptr_nonnull(strstr(res.error, "line"));
	soap_result_release(&res);
}
END_TEST

START_TEST(test_well_formed_but_not_soap)
{
	static const char x[] = "<?xml version=\"1.0\"?><foo><bar/></foo>";
	struct soap_result res;
	ck_assert_int_eq(soap_parse(x, strlen(x), NULL, NULL, &res), -1);
	ck_assert_str_eq(res.error, "not a SOAP envelope");
	soap_result_release(&res);
}
END_TEST

START_TEST(test_doctype_is_refused)
{
	static const char x[] = "<?xml version=\"1.0\"?><!DOCTYPE e [<!ENTITY a \"aaaaaaaaaa\">"
		"<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">]>"
		"<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\"><soapenv:Body>"
		"<R><returnval>&b;</returnval></R></soapenv:Body></soapenv:Envelope>";
	struct soap_result res;
	ck_assert_int_eq(soap_parse(x, strlen(x), NULL, NULL, &res), -1);
	ck_assert_ptr_nonnull(strstr(res.error, "document type"));
	soap_result_release(&res);
}
END_TEST

START_TEST(test_deep_nesting_is_refused)
{
	struct buf b = BUF_INIT;
	buf_puts(&b, ENV_OPEN);
	for (int i = 0; i < 500; i++)
		buf_puts(&b, "<a>");
	for (int i = 0; i < 500; i++)
		buf_puts(&b, "</a>");
	buf_puts(&b, ENV_CLOSE);
	struct soap_result res;
	ck_assert_int_eq(soap_parse(b.data, b.len, NULL, NULL, &res), -1);
	ck_assert_ptr_nonnull(strstr(res.error, "deeply"));
	soap_result_release(&res);
	buf_release(&b);
}
END_TEST

static int abort_cb(void *ctx, const struct xnode *o)
{
	(void)o;
	(*(int *)ctx)++;
	err_set("store is full");
	return -1;
}

START_TEST(test_callback_failure_stops_parsing)
{
	int calls = 0;
	struct soap_result res;
	ck_assert_int_eq(soap_parse(props, strlen(props), abort_cb, &calls, &res), -1);
	ck_assert_int_eq(calls, 1);
	ck_assert_str_eq(res.error, "store is full");
	soap_result_release(&res);
}
END_TEST

START_TEST(test_unexpected_structure_in_objects_answer)
{
	/* Objects one element deeper than the schema allows, an element that is
	 * neither objects nor token, and a response holding something other
	 * than returnval: each a protocol error, never an empty inventory. */
	static const char *const bad[] = {
		ENV_OPEN "<RetrievePropertiesExResponse xmlns=\"urn:vim25\"><returnval><wrap>"
		"<objects><obj type=\"HostSystem\">host-21</obj></objects>"
		"</wrap></returnval></RetrievePropertiesExResponse>" ENV_CLOSE,
		ENV_OPEN "<RetrievePropertiesExResponse xmlns=\"urn:vim25\"><returnval><returnval>"
		"<objects><obj type=\"HostSystem\">host-21</obj></objects>"
		"</returnval></returnval></RetrievePropertiesExResponse>" ENV_CLOSE,
		ENV_OPEN "<ContinueRetrievePropertiesExResponse xmlns=\"urn:vim25\"><objects>"
		"<obj type=\"HostSystem\">host-21</obj></objects></ContinueRetrievePropertiesExResponse>" ENV_CLOSE,
		ENV_OPEN "<RetrievePropertiesExResponse xmlns=\"urn:vim25\"><returnval><objects><inner>"
		"<obj type=\"HostSystem\">host-21</obj></inner></objects></returnval></RetrievePropertiesExResponse>" ENV_CLOSE,
		ENV_OPEN "<RetrievePropertiesExResponse xmlns=\"urn:vim25\"><returnval><objects>"
		"<propSet><name>name</name><val>esx-01</val></propSet></objects></returnval>"
		"</RetrievePropertiesExResponse>" ENV_CLOSE,
	};
	static const char *const want[] = { "'wrap' under 'returnval'", "'returnval' under 'returnval'",
					     "'objects' under 'ContinueRetrievePropertiesExResponse'",
					     "'inner' under 'objects'", "an object without its obj" };
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct seen s;
		memset(&s, 0, sizeof(s));
		struct soap_result res;
		ck_assert_int_eq(soap_parse(bad[i], strlen(bad[i]), on_obj, &s, &res), -1);
		ck_assert_int_eq(s.n, 0);
		ck_assert_msg(res.error && strstr(res.error, want[i]), "case %zu: %s", i, res.error);
		soap_result_release(&res);
	}
	/* An empty answer is well formed: no objects at all (the collector
	 * decides what that means). */
	static const char empty[] = ENV_OPEN "<RetrievePropertiesExResponse xmlns=\"urn:vim25\"/>" ENV_CLOSE;
	struct seen s;
	memset(&s, 0, sizeof(s));
	struct soap_result res;
	ck_assert_int_eq(soap_parse(empty, strlen(empty), on_obj, &s, &res), 0);
	ck_assert_int_eq(s.n, 0);
	soap_result_release(&res);
	/* Answers without objects keep their own shape. */
	ck_assert_int_eq(soap_parse(service_content, strlen(service_content), NULL, NULL, &res), 0);
	soap_result_release(&res);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("soap");
	TCase *tc = tcase_create("parse");
	tcase_add_test(tc, test_service_content_by_namespace);
	tcase_add_test(tc, test_objects_stream_and_token);
	tcase_add_test(tc, test_byte_by_byte_feeding);
	tcase_add_test(tc, test_fault_name_from_xsi_type);
	tcase_add_test(tc, test_fault_name_from_element);
	tcase_add_test(tc, test_truncated_document_is_an_error);
	tcase_add_test(tc, test_not_xml_is_an_error_with_line);
	tcase_add_test(tc, test_well_formed_but_not_soap);
	tcase_add_test(tc, test_doctype_is_refused);
	tcase_add_test(tc, test_deep_nesting_is_refused);
	tcase_add_test(tc, test_callback_failure_stops_parsing);
	tcase_add_test(tc, test_unexpected_structure_in_objects_answer);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run(suite()) ? 1 : 0;
}
