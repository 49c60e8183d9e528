/*
 * jsoncheck [-s cap] [file ...]: check that every line is one complete
 * JSON object (json-c parses all of it), printable ASCII only, at most
 * cap bytes (default 8000), and no key twice in one object (json-c keeps
 * the last one quietly).  Prints the count; exits 1 on the first bad
 * line, naming it.  Used by the golden, end-to-end and example tests.
 */

#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json.h>

#define DEPTH_MAX	64
#define KEYS_MAX	512

static int	 check_file(FILE *, const char *, size_t, unsigned long *);
static int	 dup_keys(const char *, size_t);

int
main(int argc, char *argv[])
{
	unsigned long	 n = 0;
	size_t		 cap = 8000;
	FILE		*fp;
	int		 ch, i, bad = 0;

	while ((ch = getopt(argc, argv, "s:")) != -1) {
		switch (ch) {
		case 's':
			cap = strtoul(optarg, NULL, 10);
			break;
		default:
			fprintf(stderr, "usage: jsoncheck [-s cap] [file ...]\n");
			return (2);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0)
		bad = check_file(stdin, "stdin", cap, &n);
	for (i = 0; i < argc && !bad; i++) {
		if ((fp = fopen(argv[i], "r")) == NULL)
			err(2, "%s", argv[i]);
		bad = check_file(fp, argv[i], cap, &n);
		fclose(fp);
	}
	if (!bad)
		printf("%lu records ok\n", n);
	return (bad);
}

static int
check_file(FILE *fp, const char *name, size_t cap, unsigned long *n)
{
	struct json_tokener	*tok;
	struct json_object	*o;
	char			*line = NULL;
	size_t			 sz = 0, i;
	ssize_t			 len;
	unsigned long		 lineno = 0;
	const char		*why = NULL;

	if ((tok = json_tokener_new()) == NULL)
		err(2, "json_tokener_new");
	while ((len = getline(&line, &sz, fp)) != -1) {
		lineno++;
		if (len > 0 && line[len - 1] == '\n')
			line[--len] = '\0';
		for (i = 0; i < (size_t)len; i++)
			if (line[i] < 0x20 || line[i] > 0x7e) {
				why = "byte outside printable ASCII";
				break;
			}
		if (why == NULL && (size_t)len > cap)
			why = "longer than the cap";
		if (why == NULL) {
			json_tokener_reset(tok);
			o = json_tokener_parse_ex(tok, line, (int)len);
			if (o == NULL || json_tokener_get_error(tok) !=
			    json_tokener_success ||
			    json_tokener_get_parse_end(tok) != (size_t)len)
				why = "not one complete JSON value";
			else if (!json_object_is_type(o, json_type_object))
				why = "not a JSON object";
			else if (dup_keys(line, (size_t)len))
				why = "a key twice in one object";
			json_object_put(o);
		}
		if (why != NULL) {
			fprintf(stderr, "%s:%lu: %s: %.200s\n", name, lineno,
			    why, line);
			break;
		}
		(*n)++;
	}
	free(line);
	json_tokener_free(tok);
	return (why != NULL);
}

/*
 * Does an object of this (valid) JSON text have a key twice?  Keys are
 * compared as written, escapes and all.
 */
static int
dup_keys(const char *p, size_t len)
{
	struct {
		const char	*p;
		size_t		 len;
		int		 depth;
	}		 key[KEYS_MAX];
	int		 obj[DEPTH_MAX];	/* 1: object, 0: array */
	const char	*end = p + len, *q, *s;
	size_t		 nkey = 0, i;
	int		 depth = -1;

	while (p < end) {
		switch (*p) {
		case '{':
		case '[':
			if (++depth >= DEPTH_MAX)
				return (0);	/* too deep to check */
			obj[depth] = *p == '{';
			p++;
			break;
		case '}':
		case ']':
			while (nkey > 0 && key[nkey - 1].depth == depth)
				nkey--;
			depth--;
			p++;
			break;
		case '"':
			for (q = s = p + 1; q < end && *q != '"'; q++)
				if (*q == '\\')
					q++;
			p = q + 1;
			while (p < end && *p == ' ')
				p++;
			if (depth < 0 || !obj[depth] || p >= end || *p != ':')
				break;		/* a value, not a key */
			for (i = nkey; i > 0 && key[i - 1].depth == depth; i--)
				if (key[i - 1].len == (size_t)(q - s) &&
				    memcmp(key[i - 1].p, s, q - s) == 0)
					return (1);
			if (nkey == KEYS_MAX)
				return (0);
			key[nkey].p = s;
			key[nkey].len = q - s;
			key[nkey].depth = depth;
			nkey++;
			break;
		default:
			p++;
			break;
		}
	}
	return (0);
}
