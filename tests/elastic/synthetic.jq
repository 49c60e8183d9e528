# A record as Elasticsearch's synthetic _source (index.mode logsdb) gives
# it back: what a field of type date keeps is the millisecond (the
# records have microseconds; three digits, .000 when there were none),
# what a field of type ip keeps is the address, an IPv4-mapped IPv6 one
# (::ffff:192.0.2.1) as IPv4.  $dates and $ips: the paths of the fields
# of either type in our mapping (run.sh takes them from
# kibana/elasticsearch/component-template-mappings.json).
def ms:
	if type == "string" and
	    test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?Z$")
	then capture("^(?<s>[^.Z]+)(\\.(?<f>[0-9]+))?Z$") |
	    .s + "." + ((.f // "") + "000")[0:3] + "Z"
	else . end;
def v4:
	if type == "string" and test("^::ffff:[0-9]+\\.[0-9]+\\.[0-9]+\\.[0-9]+$"; "i")
	then .[7:] else . end;
def each(f): if type == "array" then map(f) else f end;
reduce (($dates[] | [., "ms"]), ($ips[] | [., "v4"])) as [$p, $how] (.;
	if getpath($p) == null then .
	elif $how == "ms" then setpath($p; getpath($p) | each(ms))
	else setpath($p; getpath($p) | each(v4)) end)
