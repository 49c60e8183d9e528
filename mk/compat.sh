#!/bin/sh
# Print -DHAVE_* flags for the OpenBSD functions the C library has.
# Called by the Makefile; src/compat/ fills in the rest.
cc=${1:-cc}
tmp=$(mktemp -d 2>/dev/null || echo /tmp/fj-compat.$$)
mkdir -p "$tmp"
try() {
	printf '#include <stdlib.h>\n#include <string.h>\n#include <unistd.h>\n#ifdef __GLIBC__\n#include <malloc.h>\n#endif\n'\
'int main(void) { %s; return 0; }\n' "$2" > "$tmp/t.c"
	if $cc -Werror=implicit-function-declaration -o "$tmp/t" "$tmp/t.c" \
	    >/dev/null 2>&1; then
		printf ' -DHAVE_%s' "$1"
	fi
}
try STRTONUM 'const char *e; (void)strtonum("1", 0, 1, &e)'
try STRLCPY 'char b[2]; (void)strlcpy(b, "a", sizeof(b))'
try MALLOC_TRIM '(void)malloc_trim(0)'
try PLEDGE '(void)pledge("stdio", NULL)'
try UNVEIL '(void)unveil("/", "r")'
try EXPLICIT_BZERO 'char b[2]; explicit_bzero(b, sizeof(b))'
rm -rf "$tmp"
echo
