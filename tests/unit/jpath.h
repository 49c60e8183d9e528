/*
 * The value at a dotted path of a parsed record ("event.type.0":
 * objects by key, arrays by index), or NULL: for the unit tests that
 * read records back with json-c.
 */

#ifndef JPATH_H
#define JPATH_H

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static json_object *
jpath(json_object *o, const char *path)
{
	json_object	*v;
	char		 buf[256], *p, *dot;

	snprintf(buf, sizeof(buf), "%s", path);
	for (p = buf; o != NULL && p != NULL; p = dot) {
		if ((dot = strchr(p, '.')) != NULL)
			*dot++ = '\0';
		/* "@timestamp" and array indexes */
		if (json_object_is_type(o, json_type_array))
			o = json_object_array_get_idx(o, atoi(p));
		else if (json_object_object_get_ex(o, p, &v))
			o = v;
		else
			o = NULL;
	}
	return (o);
}

#endif
