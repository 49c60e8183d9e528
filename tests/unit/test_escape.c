/* Unit tests for escape.c: ASCII out, whatever comes in. */

#include <string.h>

#include "filter-jsonlog.h"
#include "check.h"

static char	 out[4096];

static void
esc(const char *in, size_t n, const char *want)
{
	size_t	 len = escape_json(out, in, n), i;

	CHECK_MEM(out, len, want);
	CHECK(len <= ESCAPE_MAX(n));
	for (i = 0; i < len; i++)
		CHECK(out[i] >= 0x20 && out[i] <= 0x7e);
}

#define ESC(lit, want)	esc(lit, sizeof(lit) - 1, want)

int
main(void)
{
	char	 all[256];
	int	 i;

	ESC("", "");
	ESC("plain ascii text ~!", "plain ascii text ~!");
	ESC("quote\" back\\slash /", "quote\\\" back\\\\slash /");
	ESC("\b\f\n\r\t", "\\b\\f\\n\\r\\t");
	ESC("\x01\x1b\x1f\x7f", "\\u0001\\u001b\\u001f\\u007f");
	ESC("a\0b", "a\\u0000b");
	/* valid UTF-8: 2, 3 and 4 bytes (a surrogate pair) */
	ESC("caf\xc3\xa9", "caf\\u00e9");
	ESC("\xe2\x82\xac", "\\u20ac");
	ESC("\xf0\x9f\x93\xa7", "\\ud83d\\udce7");
	ESC("\xef\xbb\xbf", "\\ufeff");
	ESC("\xf4\x8f\xbf\xbf", "\\udbff\\udfff");
	/* invalid: one U+FFFD per byte that starts nothing valid */
	ESC("\xff", "\\ufffd");
	ESC("\x80", "\\ufffd");
	ESC("\xc0\x80", "\\ufffd\\ufffd");		/* overlong NUL */
	ESC("\xe0\x80\xaf", "\\ufffd\\ufffd\\ufffd");	/* overlong '/' */
	ESC("\xed\xa0\x80", "\\ufffd\\ufffd\\ufffd");	/* surrogate */
	ESC("\xf4\x90\x80\x80", "\\ufffd\\ufffd\\ufffd\\ufffd");
	ESC("\xf5\x80\x80\x80", "\\ufffd\\ufffd\\ufffd\\ufffd");
	ESC("\xc3", "\\ufffd");				/* cut short */
	ESC("\xe2\x82", "\\ufffd\\ufffd");
	ESC("\xc3x", "\\ufffdx");
	ESC("\xe9t\xe9", "\\ufffdt\\ufffd");		/* latin-1 */
	/* the worst case stays within ESCAPE_MAX */
	for (i = 0; i < 256; i++)
		all[i] = (char)i;
	(void)escape_json(out, all, sizeof(all));
	esc(all, sizeof(all), out);
	CHECK(escape_json(out, "\x01\x01", 2) == ESCAPE_MAX(2));
	return (check_done("test_escape"));
}
