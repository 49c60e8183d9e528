#!/usr/bin/env node
// Offline validation of kibana/ against ECS and against real filter output.
//
//	node tests/examples/validate.js [--root DIR] [--ecs DIR] RECORDS...
//
// RECORDS are files of filter-jsonlog output (one JSON record a line).
// --root is the tree holding kibana/ (default: the repository), so that a
// test can validate a mutated copy; --ecs is the directory of the
// @elastic/ecs package (default: tests/examples/node_modules/@elastic/ecs).
//
// Checks (each failure is one "FAIL" line; exit status 1 if any):
//  1. every .json under kibana/ and examples/ parses, every .ndjson line
//     parses; the Elasticsearch resources agree with each other and with
//     kibana/load.sh (names of templates, pipeline, ILM policy);
//  2. the mapping is dynamic:false; every mapped field outside opensmtpd.*
//     exists in ECS with ECS's type, ignore_above and multi-fields, and no
//     field under opensmtpd.* shadows an ECS name;
//  3. every field of every record is mapped and its values fit the mapped
//     type (ip, date, long, boolean, keyword); array-ness follows ECS and
//     is the same in every record; no dotted keys; no key that is an object
//     in one record and a scalar in another; categorization values are
//     ECS-allowed and each event.type is expected for the event.category;
//  4. saved objects: allowed keys and types, unique ids, nested JSON
//     strings parse, 8.x version keys (typeMigrationVersion; the versions
//     themselves and the Lens/Maps shapes are tests/examples/lenscheck.js's),
//     every reference name is used and resolves to an object in the file,
//     by-value panels' references lifted to the dashboard as <panel>:<name>,
//     dashboards fit the 48-column grid without overlaps;
//  5. every field a visualization, saved search, map, data view or the
//     ingest pipeline uses is mapped (or a data-view runtime field) AND
//     appears in the records (fields the shipper or the pipeline adds
//     excepted), with a type that suits its use; values in KQL term
//     queries and filters occur in the records for that field.  Lens
//     columns, filters and queries of by-value panels count as uses.
//     A use of a field of /work/plan-s4.md that neither the mapping nor
//     the records have yet, or of a dataset no record has, is "pending"
//     (one line each, counted; run.sh reports them as not run).
'use strict';

const fs = require('fs');
const path = require('path');

let root = path.resolve(__dirname, '..', '..');
let ecsDir = path.join(__dirname, 'node_modules', '@elastic', 'ecs');
const recordFiles = [];
for (let i = 2; i < process.argv.length; i++) {
	const a = process.argv[i];
	if (a === '--root') root = path.resolve(process.argv[++i]);
	else if (a === '--ecs') ecsDir = path.resolve(process.argv[++i]);
	else recordFiles.push(a);
}

const { EcsFlat, EcsVersion } = require(ecsDir);

let failures = 0;
let checks = 0;
function fail(msg) {
	failures++;
	console.log('FAIL: ' + msg);
}
function check(cond, msg) {
	checks++;
	if (!cond) fail(msg);
	return cond;
}

function readJSON(file) {
	try {
		return JSON.parse(fs.readFileSync(file, 'utf8'));
	} catch (e) {
		fail(path.relative(root, file) + ': ' + e.message);
		return null;
	}
}

// ---- 1. files parse ---------------------------------------------------

function walk(dir, out) {
	if (!fs.existsSync(dir)) return out;
	for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
		const p = path.join(dir, e.name);
		if (e.isDirectory()) {
			if (e.name !== 'node_modules') walk(p, out);
		} else out.push(p);
	}
	return out;
}

for (const f of walk(path.join(root, 'kibana'), []).concat(
    walk(path.join(root, 'examples'), []))) {
	if (f.endsWith('.json')) {
		checks++;
		readJSON(f);
	} else if (f.endsWith('.ndjson')) {
		fs.readFileSync(f, 'utf8').split('\n').forEach((l, n) => {
			if (l === '') return;
			checks++;
			try {
				JSON.parse(l);
			} catch (e) {
				fail(path.relative(root, f) + ':' + (n + 1) + ': ' + e.message);
			}
		});
	}
}

const ES = path.join(root, 'kibana', 'elasticsearch');
const mappingsFile = path.join(ES, 'component-template-mappings.json');
const settingsFile = path.join(ES, 'component-template-settings.json');
const templateFile = path.join(ES, 'index-template.json');
const pipelineFile = path.join(ES, 'ingest-pipeline.json');
const ilmFile = path.join(ES, 'ilm-policy.json');
const soFile = path.join(root, 'kibana', 'saved-objects.ndjson');
const mappingsDoc = readJSON(mappingsFile) || {};
const settingsDoc = readJSON(settingsFile) || {};
const templateDoc = readJSON(templateFile) || {};
const pipelineDoc = readJSON(pipelineFile) || {};
const ilmDoc = readJSON(ilmFile) || {};

// What load.sh installs: `put_es PATH FILE` lines.
const installs = {};
const loadSh = path.join(root, 'kibana', 'load.sh');
if (check(fs.existsSync(loadSh), 'kibana/load.sh missing')) {
	const re = /^[^#\n]*?\bput_es\s+(\S+)\s+(\S+)/gm;
	let m;
	const text = fs.readFileSync(loadSh, 'utf8');
	while ((m = re.exec(text)) !== null) {
		installs[m[1].replace(/["']/g, '').replace(/^\//, '')] =
		    m[2].replace(/["']/g, '').replace(/^.*\//, '');
	}
}
function installed(kind, file) {
	for (const [k, f] of Object.entries(installs))
		if (k.startsWith(kind + '/') && f === path.basename(file))
			return k.slice(kind.length + 1);
	fail('kibana/load.sh does not install ' + path.basename(file) + ' as ' + kind);
	return null;
}
const ilmName = installed('_ilm/policy', ilmFile);
const pipelineName = installed('_ingest/pipeline', pipelineFile);
const settingsName = installed('_component_template', settingsFile);
const mappingsName = installed('_component_template', mappingsFile);
const templateName = installed('_index_template', templateFile);
checks++;
if (!ilmDoc.policy || !ilmDoc.policy.phases) fail('ILM policy has no phases');
const tset = (settingsDoc.template || {}).settings || {};
check(tset['index.lifecycle.name'] === ilmName,
    'settings index.lifecycle.name ' + tset['index.lifecycle.name'] + ' is not the ILM policy ' + ilmName);
check(tset['index.default_pipeline'] === pipelineName,
    'settings index.default_pipeline ' + tset['index.default_pipeline'] + ' is not the pipeline ' + pipelineName);
const composed = templateDoc.composed_of || [];
check(composed.includes(settingsName) && composed.includes(mappingsName),
    'index template composed_of ' + JSON.stringify(composed) + ' lacks ' + settingsName + ' or ' + mappingsName);
check(templateDoc.priority > 100, 'index template priority must be above the built-in logs template (100)');
check(templateDoc.data_stream !== undefined, 'index template is not a data stream template');
function globMatch(glob, s) {
	const re = new RegExp('^' + glob.split('*').map((p) =>
	    p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*') + '$');
	return re.test(s);
}
const DATA_STREAM = 'logs-opensmtpd.event-default';
check((templateDoc.index_patterns || []).some((g) => globMatch(g, DATA_STREAM)),
    'index template patterns do not match ' + DATA_STREAM);
// Filebeat configurations must write to a data stream our template matches.
for (const f of walk(path.join(root, 'examples'), [])) {
	if (!/filebeat.*\.ya?ml$/.test(f)) continue;
	const text = fs.readFileSync(f, 'utf8');
	const m = /^\s*index:\s*"?([^"\s]+)"?/m.exec(text);
	if (check(m, path.relative(root, f) + ': no output.elasticsearch.index'))
		check((templateDoc.index_patterns || []).some((g) => globMatch(g, m[1])),
		    path.relative(root, f) + ': index ' + m[1] + ' not matched by the index template');
	const pm = /^\s*pipeline:\s*"?([^"\s]+)"?/m.exec(text);
	if (pm) check(pm[1] === pipelineName, path.relative(root, f) + ': pipeline ' + pm[1] +
	    ' is not the one load.sh installs (' + pipelineName + ')');
	check(/^\s*setup\.template\.enabled:\s*false/m.test(text),
	    path.relative(root, f) + ': setup.template.enabled must be false (we install our own)');
}

// ---- 2. mapping vs ECS ------------------------------------------------

const mapping = {};		// dotted field -> definition
const objectPaths = new Set();
function flattenMapping(props, prefix) {
	for (const [k, def] of Object.entries(props || {})) {
		const p = prefix + k;
		if (def.properties) {
			objectPaths.add(p);
			flattenMapping(def.properties, p + '.');
		} else mapping[p] = def;
	}
}
const mappings = (mappingsDoc.template || {}).mappings || {};
check(mappings.dynamic === false || mappings.dynamic === 'false',
    'mapping must be dynamic: false');
flattenMapping(mappings.properties, '');

for (const [f, def] of Object.entries(mapping)) {
	checks++;
	const e = EcsFlat[f];
	if (f.startsWith('opensmtpd.')) {
		if (e) fail('mapping: ' + f + ' is an ECS field, it must not sit under opensmtpd.*');
		continue;
	}
	if (!e) {
		fail('mapping: ' + f + ' is neither an ECS ' + EcsVersion + ' field nor under opensmtpd.*');
		continue;
	}
	if (def.type !== e.type)
		fail('mapping: ' + f + ' is ' + def.type + ', ECS says ' + e.type);
	if ((def.ignore_above || null) !== (e.ignore_above || null))
		fail('mapping: ' + f + ' ignore_above ' + def.ignore_above + ', ECS says ' + e.ignore_above);
	const want = {};
	for (const mf of e.multi_fields || []) want[mf.name] = mf.type;
	const have = {};
	for (const [n, d] of Object.entries(def.fields || {})) have[n] = d.type;
	if (JSON.stringify(Object.entries(have).sort()) !== JSON.stringify(Object.entries(want).sort()))
		fail('mapping: ' + f + ' multi-fields ' + JSON.stringify(have) + ', ECS says ' + JSON.stringify(want));
}

// ---- 3. records vs mapping --------------------------------------------

const seen = {};		// dotted field -> {values:Set, array:bool|undefined}
const kinds = {};		// dotted path -> 'object' | 'scalar'
let nrecords = 0;

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
function isIP(s) {
	if (typeof s !== 'string') return false;
	if (IPV4.test(s)) return true;
	if (!/^[0-9a-fA-F:.]+$/.test(s) || s.indexOf(':') < 0) return false;
	const dbl = s.split('::');
	if (dbl.length > 2) return false;
	let groups = s.split(':').filter((g) => g !== '');
	let tail4 = 0;
	if (groups.length && groups[groups.length - 1].includes('.')) {
		if (!IPV4.test(groups.pop())) return false;
		tail4 = 2;
	}
	if (!groups.every((g) => /^[0-9a-fA-F]{1,4}$/.test(g))) return false;
	const n = groups.length + tail4;
	return dbl.length === 2 ? n < 8 : n === 8;
}
const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/;
function fits(type, v) {
	switch (type) {
	case 'keyword': case 'constant_keyword': case 'match_only_text':
	case 'wildcard': case 'text':
		return typeof v === 'string';
	case 'long':
		return typeof v === 'number' && Number.isInteger(v);
	case 'ip':
		return isIP(v);
	case 'date':
		return typeof v === 'string' && RFC3339.test(v) && !isNaN(Date.parse(v));
	case 'boolean':
		return typeof v === 'boolean';
	default:
		return false;
	}
}

function note(field, value, isArray) {
	const s = seen[field] || (seen[field] = { values: new Set(), array: new Set() });
	s.values.add(typeof value === 'string' ? value : JSON.stringify(value));
	s.array.add(isArray);
}

function walkRecord(obj, prefix, where) {
	for (const [k, v] of Object.entries(obj)) {
		if (k.includes('.')) fail(where + ': dotted key "' + prefix + k + '"');
		const p = prefix + k;
		const isObj = v !== null && typeof v === 'object' && !Array.isArray(v);
		const kind = isObj || (Array.isArray(v) && v.length && typeof v[0] === 'object') ? 'object' : 'scalar';
		if (kinds[p] && kinds[p] !== kind)
			fail(where + ': ' + p + ' is an object in some records and a value in others');
		kinds[p] = kind;
		if (isObj) {
			walkRecord(v, p + '.', where);
			continue;
		}
		const values = Array.isArray(v) ? v : [v];
		if (Array.isArray(v) && v.length === 0)
			fail(where + ': ' + p + ' is an empty array (omit unknown fields)');
		for (const x of values) {
			if (x !== null && typeof x === 'object') {
				if (Array.isArray(x)) fail(where + ': ' + p + ' holds nested arrays');
				else walkRecord(x, p + '.', where);
				continue;
			}
			if (x === null || x === '') fail(where + ': ' + p + ' is ' + JSON.stringify(x) + ' (omit unknown fields)');
			note(p, x, Array.isArray(v));
			const def = mapping[p];
			if (!def) continue;	// reported once below
			if (!fits(def.type, x))
				fail(where + ': ' + p + ' = ' + JSON.stringify(x) + ' does not fit mapping type ' + def.type);
		}
	}
}

function checkCategorization(r, where) {
	const ev = r.event || {};
	const allowed = (f) => new Set((EcsFlat[f].allowed_values || []).map((a) => a.name));
	const expected = {};
	for (const a of EcsFlat['event.category'].allowed_values || [])
		expected[a.name] = new Set(a.expected_event_types || []);
	if (!allowed('event.kind').has(ev.kind)) fail(where + ': event.kind ' + ev.kind + ' not allowed by ECS');
	if (ev.outcome !== undefined && !allowed('event.outcome').has(ev.outcome))
		fail(where + ': event.outcome ' + ev.outcome + ' not allowed by ECS');
	const cats = ev.category || [];
	const types = ev.type || [];
	for (const c of cats) if (!expected[c]) fail(where + ': event.category ' + c + ' not allowed by ECS');
	for (const t of types) {
		if (!allowed('event.type').has(t)) fail(where + ': event.type ' + t + ' not allowed by ECS');
		else if (!cats.some((c) => expected[c] && expected[c].has(t)))
			fail(where + ': event.type ' + t + ' is not expected for event.category ' + cats.join(','));
	}
	const dir = EcsFlat['network.direction'].expected_values || [];
	if (r.network && r.network.direction !== undefined && !dir.includes(r.network.direction))
		fail(where + ': network.direction ' + r.network.direction + ' not an ECS expected value');
	if (!r.ecs || r.ecs.version !== EcsVersion)
		fail(where + ': ecs.version ' + (r.ecs && r.ecs.version) + ' but the ECS checked against is ' + EcsVersion);
}

for (const f of recordFiles) {
	const lines = fs.readFileSync(f, 'utf8').split('\n');
	lines.forEach((l, n) => {
		if (l === '') return;
		const where = path.basename(f) + ':' + (n + 1);
		let r;
		checks++;
		try {
			r = JSON.parse(l);
		} catch (e) {
			fail(where + ': not JSON: ' + e.message);
			return;
		}
		nrecords++;
		walkRecord(r, '', where);
		checkCategorization(r, where);
	});
}
check(nrecords > 0, 'no records given');

for (const [f, s] of Object.entries(seen)) {
	checks++;
	if (!mapping[f]) {
		fail('record field ' + f + ' is not mapped (e.g. ' + [...s.values][0] + ')');
		continue;
	}
	if (s.array.size > 1) fail('record field ' + f + ' is an array in some records and not in others');
	const e = EcsFlat[f];
	if (e) {
		const ecsArray = (e.normalize || []).includes('array');
		if (ecsArray && s.array.has(false)) fail('record field ' + f + ' must be an array (ECS normalize)');
		if (!ecsArray && s.array.has(true)) fail('record field ' + f + ' is an array, ECS expects one value');
	}
}

// ---- fields other than the filter's -----------------------------------
// The shipper and the pipeline add these; they need a mapping but cannot
// appear in the filter's output.  Derived fields need their origin there.
const SHIPPER = [/^message$/, /^error\./, /^tags$/, /^host\./, /^agent\./,
    /^log\.file\./, /^log\.syslog\./, /^data_stream\./, /^event\.ingested$/];
const DERIVED = [[/^source\.geo\./, 'source.ip'], [/^source\.as\./, 'source.ip'],
    [/^destination\.geo\./, 'destination.ip'], [/^destination\.as\./, 'destination.ip']];
function foreignOrigin(f) {
	if (SHIPPER.some((re) => re.test(f))) return true;
	for (const [re, origin] of DERIVED)
		if (re.test(f)) return origin;
	return null;
}

// ---- 4. saved objects ------------------------------------------------

const TOP_KEYS = new Set(['type', 'id', 'attributes', 'references', 'migrationVersion',
    'coreMigrationVersion', 'typeMigrationVersion', 'managed', 'updated_at', 'version']);
const STRING_ATTRS = ['visState', 'uiStateJSON', 'panelsJSON', 'optionsJSON',
    'fieldFormatMap', 'runtimeFieldMap', 'layerListJSON', 'mapStateJSON', 'fields'];
const REQUIRED = {
	'index-pattern': ['title', 'timeFieldName'],
	search: ['title', 'columns', 'sort', 'kibanaSavedObjectMeta'],
	dashboard: ['title', 'panelsJSON', 'optionsJSON', 'kibanaSavedObjectMeta'],
};
function semverCmp(a, b) {
	const x = a.split('.').map(Number), y = b.split('.').map(Number);
	for (let i = 0; i < 3; i++) if ((x[i] || 0) !== (y[i] || 0)) return (x[i] || 0) - (y[i] || 0);
	return 0;
}

const objects = [];
if (check(fs.existsSync(soFile), 'kibana/saved-objects.ndjson missing')) {
	fs.readFileSync(soFile, 'utf8').split('\n').forEach((l, n) => {
		if (l === '') return;
		try {
			const o = JSON.parse(l);
			if (o.exportedCount === undefined) objects.push(o);
		} catch (e) { /* reported in 1. */ }
	});
}
check(objects.length > 0, 'no saved objects');
const byKey = new Map();
for (const o of objects) {
	const where = 'saved object ' + o.type + '/' + o.id;
	checks++;
	for (const k of Object.keys(o)) if (!TOP_KEYS.has(k)) fail(where + ': unexpected key ' + k);
	if (!REQUIRED[o.type]) {
		fail(where + ': type ' + o.type + ' not expected');
		continue;
	}
	if (byKey.has(o.type + '/' + o.id)) fail(where + ': duplicate id');
	byKey.set(o.type + '/' + o.id, o);
	if (o.migrationVersion) fail(where + ': 7.x migrationVersion: 8.x exports use typeMigrationVersion');
	if (!o.typeMigrationVersion || !o.coreMigrationVersion) fail(where + ': no typeMigrationVersion/coreMigrationVersion');
	const at = o.attributes || {};
	for (const k of REQUIRED[o.type]) if (at[k] === undefined) fail(where + ': attribute ' + k + ' missing');
	o.parsed = {};
	for (const k of STRING_ATTRS.concat(['searchSourceJSON'])) {
		const v = k === 'searchSourceJSON' ? (at.kibanaSavedObjectMeta || {}).searchSourceJSON : at[k];
		if (v === undefined) continue;
		if (typeof v !== 'string') {
			fail(where + ': ' + k + ' must be a JSON string');
			continue;
		}
		try {
			o.parsed[k] = JSON.parse(v);
		} catch (e) {
			fail(where + ': ' + k + ' does not parse: ' + e.message);
		}
	}
}

// References: every name used inside the object has a reference, every
// reference is used, and every target exists in the file.
for (const o of objects) {
	const where = 'saved object ' + o.type + '/' + o.id;
	const refs = o.references || [];
	const names = new Map();
	for (const r of refs) {
		checks++;
		if (names.has(r.name)) fail(where + ': reference name ' + r.name + ' twice');
		names.set(r.name, r);
		if (!byKey.has(r.type + '/' + r.id)) fail(where + ': reference ' + r.name + ' -> ' + r.type + '/' + r.id + ' not in the file');
	}
	const used = [];	// [name, expected type]
	const ss = o.parsed.searchSourceJSON;
	if (ss && ss.indexRefName) used.push([ss.indexRefName, 'index-pattern']);
	if (ss && ss.index) fail(where + ': searchSourceJSON.index must be a reference (indexRefName)');
	for (const fl of (ss && ss.filter) || [])
		if (fl.meta && fl.meta.indexRefName) used.push([fl.meta.indexRefName, 'index-pattern']);
	if (o.attributes && o.attributes.savedSearchRefName) used.push([o.attributes.savedSearchRefName, 'search']);
	if (o.type === 'visualization' && o.parsed.visState) {
		const vs = o.parsed.visState;
		if ((vs.aggs || []).length && !(ss && ss.indexRefName) && !(o.attributes.savedSearchRefName))
			fail(where + ': aggregations without a data view');
		if (vs.title !== o.attributes.title) fail(where + ': visState.title differs from title');
	}
	if (o.type === 'map' && Array.isArray(o.parsed.layerListJSON)) {
		for (const layer of o.parsed.layerListJSON) {
			const sd = layer.sourceDescriptor || {};
			if (sd.indexPatternId) fail(where + ': layer ' + layer.id + ' names a data view by id, not by reference');
			if (sd.indexPatternRefName) used.push([sd.indexPatternRefName, 'index-pattern']);
		}
	}
	if (o.type === 'dashboard' && Array.isArray(o.parsed.panelsJSON)) {
		const cells = [];
		const idx = new Set();
		for (const p of o.parsed.panelsJSON) {
			checks++;
			const g = p.gridData || {};
			if (idx.has(p.panelIndex)) fail(where + ': panelIndex ' + p.panelIndex + ' twice');
			idx.add(p.panelIndex);
			if (g.i !== p.panelIndex) fail(where + ': gridData.i differs from panelIndex ' + p.panelIndex);
			if (!(g.x >= 0 && g.w > 0 && g.x + g.w <= 48 && g.y >= 0 && g.h > 0))
				fail(where + ': panel ' + p.panelIndex + ' outside the 48-column grid');
			for (const c of cells)
				if (g.x < c.x + c.w && c.x < g.x + g.w && g.y < c.y + c.h && c.y < g.y + g.h)
					fail(where + ': panels ' + c.i + ' and ' + g.i + ' overlap');
			cells.push(g);
			if (p.id) fail(where + ': panel ' + p.panelIndex + ' names its object by id, not panelRefName');
			const cfg = p.embeddableConfig || {};
			if (p.panelRefName) used.push([p.panelIndex + ':' + p.panelRefName, p.type]);
			else if (cfg.attributes) {
				// Lens: its references; Maps: its layers' data views.
				for (const r of cfg.attributes.references || [])
					used.push([p.panelIndex + ':' + r.name, r.type]);
				if (p.type === 'map')
					for (const l of JSON.parse(cfg.attributes.layerListJSON || '[]'))
						if ((l.sourceDescriptor || {}).indexPatternRefName)
							used.push([p.panelIndex + ':' + l.sourceDescriptor.indexPatternRefName, 'index-pattern']);
			} else if (!(cfg.savedVis && cfg.savedVis.type === 'markdown'))
				fail(where + ': panel ' + p.panelIndex + ' has neither panelRefName nor attributes');
		}
	}
	const usedNames = new Set();
	for (const [name, type] of used) {
		checks++;
		usedNames.add(name);
		const r = names.get(name);
		if (!r) fail(where + ': ' + name + ' has no reference');
		else if (r.type !== type) fail(where + ': reference ' + name + ' is a ' + r.type + ', expected ' + type);
	}
	for (const name of names.keys())
		if (!usedNames.has(name)) fail(where + ': reference ' + name + ' is never used');
}

// ---- 5. fields used --------------------------------------------------

const runtime = {};	// runtime field -> {type, sources}
const uses = [];	// {field, use, where, value?}

function use(field, how, where) {
	uses.push({ field: field, use: how, where: where });
}

// The dataset a list of saved filters pins (event.dataset or
// data_stream.dataset), or null.
function datasetOfFilters(filters) {
	for (const f of filters || []) {
		const mp = (f.query || {}).match_phrase || {};
		for (const k of ['event.dataset', 'data_stream.dataset'])
			if (typeof mp[k] === 'string' && !(f.meta || {}).negate) return mp[k];
	}
	return null;
}
function filterUses(filters, where, dataset) {
	for (const fl of filters || []) {
		const m = fl.meta || {};
		if (!m.key) continue;
		const v = m.params && m.params.query;
		uses.push({ field: m.key, use: v === undefined ? 'any' : 'query', where: where,
		    values: v === undefined ? undefined : [v], dataset: dataset });
	}
}

// KQL: collect field names and the literal values they are compared with.
function kqlFields(q, where, dataset) {
	if (!q) return;
	const toks = [];
	const re = /\s*("(?:[^"\\]|\\.)*"|\(|\)|:|[^\s():"]+)/g;
	let m;
	while ((m = re.exec(q)) !== null) toks.push(m[1]);
	for (let i = 0; i + 1 < toks.length; i++) {
		if (toks[i + 1] !== ':' || /^(and|or|not|\(|\)|:)$/i.test(toks[i])) continue;
		const field = toks[i];
		const values = [];
		let j = i + 2;
		if (toks[j] === '(') {
			let depth = 0;
			for (; j < toks.length; j++) {
				if (toks[j] === '(') depth++;
				else if (toks[j] === ')') { if (--depth === 0) break; }
				else if (!/^(and|or|not)$/i.test(toks[j])) values.push(toks[j]);
			}
		} else if (toks[j] !== undefined) values.push(toks[j]);
		uses.push({ field: field, use: 'query', where: where, dataset: dataset,
		    values: values.map((v) => v.startsWith('"') ? JSON.parse(v) : v) });
	}
}

for (const o of objects) {
	const where = o.type + '/' + o.id;
	const at = o.attributes || {};
	const p = o.parsed;
	if (o.type === 'index-pattern') {
		if (at.timeFieldName) use(at.timeFieldName, 'date', where + ' timeFieldName');
		for (const f of Object.keys(p.fieldFormatMap || {})) use(f, 'any', where + ' fieldFormatMap');
		for (const [f, def] of Object.entries(p.runtimeFieldMap || {})) {
			if (mapping[f]) fail(where + ': runtime field ' + f + ' shadows a mapped field');
			const src = ((def.script || {}).source || '');
			const refs = [...src.matchAll(/doc\[['"]([^'"]+)['"]\]/g)].map((x) => x[1]);
			runtime[f] = { type: def.type, sources: refs };
			for (const r of new Set(refs)) use(r, 'any', where + ' runtime field ' + f);
		}
	}
	const ss = p.searchSourceJSON;
	if (ss) {
		if (ss.query && ss.query.language === 'kuery') kqlFields(ss.query.query, where + ' query');
		else if (ss.query && ss.query.query) fail(where + ': query language must be kuery');
		filterUses(ss.filter, where + ' filter', datasetOfFilters(ss.filter));
	}
	if (o.type === 'search') {
		for (const c of at.columns || []) use(c, 'any', where + ' column');
		for (const [c] of at.sort || []) use(c, 'sort', where + ' sort');
	}
	if (o.type === 'visualization' && p.visState) {
		for (const a of p.visState.aggs || []) {
			const w = where + ' agg ' + a.id + ' (' + a.type + ')';
			if (a.params && a.params.field) {
				const how = { terms: 'terms', cardinality: 'terms', date_histogram: 'date',
				    sum: 'number', avg: 'number', min: 'number', max: 'number',
				    range: 'number', histogram: 'number', percentiles: 'number' }[a.type] || 'any';
				use(a.params.field, how, w);
			}
			if (a.type === 'filters')
				for (const fl of a.params.filters || []) kqlFields(fl.input && fl.input.query, w);
		}
	}
	if (o.type === 'map') {
		for (const layer of p.layerListJSON || []) {
			const sd = layer.sourceDescriptor || {};
			for (const k of ['geoField', 'sourceGeoField', 'destGeoField'])
				if (sd[k]) use(sd[k], 'geo', where + ' layer ' + layer.id);
			if (layer.query) kqlFields(layer.query.query, where + ' layer ' + layer.id);
		}
		if (p.mapStateJSON && p.mapStateJSON.query) kqlFields(p.mapStateJSON.query.query, where + ' map state');
	}
}

// By-value panels of the dashboards: Lens columns, filters and queries;
// Maps layers.  Each use carries the dataset its panel is filtered on.
const LENS_USE = { terms: 'terms', unique_count: 'terms', date_histogram: 'date',
    sum: 'number', average: 'number', min: 'number', max: 'number', median: 'number',
    percentile: 'number', range: 'number', last_value: 'any' };
for (const o of objects) {
	if (o.type !== 'dashboard' || !Array.isArray(o.parsed.panelsJSON)) continue;
	for (const p of o.parsed.panelsJSON) {
		const at = (p.embeddableConfig || {}).attributes;
		if (!at) continue;
		const where = o.type + '/' + o.id + ' panel ' + p.panelIndex;
		if (p.type === 'lens') {
			const st = at.state || {};
			const ds = datasetOfFilters(st.filters);
			const q = st.query || {};
			if (q.language === 'kuery') kqlFields(q.query, where + ' query', ds);
			else fail(where + ': query language must be kuery');
			filterUses(st.filters, where + ' filter', ds);
			const layers = ((st.datasourceStates || {}).formBased || {}).layers || {};
			for (const layer of Object.values(layers)) {
				for (const [cid, c] of Object.entries(layer.columns || {})) {
					const w = where + ' column ' + cid + ' (' + c.operationType + ')';
					if (c.sourceField && c.sourceField !== '___records___')
						uses.push({ field: c.sourceField, use: LENS_USE[c.operationType] || 'any', where: w, dataset: ds });
					if (c.operationType === 'filters')
						for (const f of (c.params || {}).filters || []) kqlFields(f.input && f.input.query, w, ds);
					if (c.filter) kqlFields(c.filter.query, w + ' filter', ds);
				}
			}
		} else if (p.type === 'map') {
			const layers = JSON.parse(at.layerListJSON || '[]');
			const state = JSON.parse(at.mapStateJSON || '{}');
			const ds = datasetOfFilters(state.filters);
			for (const layer of layers) {
				const sd = layer.sourceDescriptor || {};
				for (const k of ['geoField', 'sourceGeoField', 'destGeoField'])
					if (sd[k]) uses.push({ field: sd[k], use: 'geo', where: where + ' layer ' + layer.id, dataset: ds });
				if (layer.query) kqlFields(layer.query.query, where + ' layer ' + layer.id, ds);
			}
			if (state.query) kqlFields(state.query.query, where + ' map state', ds);
			filterUses(state.filters, where + ' map filter', ds);
		}
	}
}

// The ingest pipeline: fields it reads from a record, fields it writes.
const pipeTemp = new Set();
function pipelineFields(procs, where) {
	for (const proc of procs || []) {
		const [type, cfg] = Object.entries(proc)[0];
		const w = where + ' ' + type + (cfg.tag ? ' [' + cfg.tag + ']' : '');
		if (cfg.if) for (const m of cfg.if.matchAll(/ctx((?:\??\.[A-Za-z_@][A-Za-z0-9_]*)+)(\()?/g)) {
			let f = m[1].replace(/\?/g, '').slice(1);
			if (m[2]) f = f.replace(/\.[^.]*$/, '');	// a method call
			if (f !== '_index' && !f.startsWith('_tmp')) use(f, 'any', w + ' if');
		}
		switch (type) {
		case 'geoip':
			use(cfg.field, 'ip', w);
			// geoip writes target_field.<property>; asn and
			// organization_name are renamed right after.
			for (const prop of cfg.properties || []) {
				const t = cfg.target_field + '.' + prop;
				if (mapping[t]) use(t, 'written', w);
				else pipeTemp.add(t);
			}
			break;
		case 'rename':
			if (!pipeTemp.delete(cfg.field)) use(cfg.field, 'any', w);
			use(cfg.target_field, 'written', w);
			break;
		case 'set':
			use(cfg.field, 'written', w);
			break;
		case 'grok':
			use(cfg.field, 'any', w);
			for (const pat of cfg.patterns || [])
				for (const m of pat.matchAll(/%\{[A-Z0-9_]+:([^}]+)\}/g))
					if (!m[1].startsWith('_tmp')) use(m[1], 'written', w);
			break;
		case 'remove':
			for (const f of [].concat(cfg.field))
				if (!f.startsWith('_tmp')) use(f, 'any', w);
			break;
		case 'json':
		case 'script':
			break;
		default:
			fail(w + ': processor type not known to the validator');
		}
	}
}
pipelineFields(pipelineDoc.processors, 'pipeline');
pipelineFields(pipelineDoc.on_failure, 'pipeline on_failure');
for (const t of pipeTemp) fail('pipeline: ' + t + ' is written but neither mapped nor renamed');

// Now judge every use.
const USE_TYPES = {
	terms: ['keyword', 'ip', 'long', 'boolean', 'date', 'constant_keyword'],
	date: ['date'],
	number: ['long'],
	ip: ['ip'],
	geo: ['geo_point'],
	sort: ['date', 'long', 'keyword', 'ip', 'boolean'],
	query: ['keyword', 'ip', 'long', 'boolean', 'date', 'constant_keyword', 'match_only_text'],
};
// Fields and datasets of /work/plan-s4.md (session 4) that the filter
// may not write yet: their uses wait for them instead of failing.
const PLAN_FIELDS = [/^opensmtpd\.reply\./, /^opensmtpd\.stats\./,
    /^opensmtpd\.session\.(end_reason|rcpt_accepted|rcpt_refused|error_replies)$/,
    /^opensmtpd\.tx\.(accepted_count|rejected_count)$/];
const datasets = seen['event.dataset'] ? seen['event.dataset'].values : new Set();
const pending = [];
let nUses = 0;
for (const u of uses) {
	checks++;
	nUses++;
	const rt = runtime[u.field];
	const def = mapping[u.field];
	const type = rt ? rt.type : def && def.type;
	const planned = PLAN_FIELDS.some((re) => re.test(u.field));
	if (!seen[u.field] && !rt && (planned || (u.dataset && !datasets.has(u.dataset)))) {
		if (!def && !planned) fail(u.where + ': field ' + u.field + ' is not in the index template mapping');
		else pending.push(u.where + ': ' + u.field + (def ? '' : ' (not mapped yet)') +
		    (u.dataset && !datasets.has(u.dataset) ? ', dataset ' + u.dataset + ' in no record' : ', in no record'));
		continue;
	}
	if (u.dataset && !datasets.has(u.dataset) && u.values) {
		pending.push(u.where + ': ' + u.field + ' values, dataset ' + u.dataset + ' in no record');
		continue;
	}
	if (!def && !rt) {
		fail(u.where + ': field ' + u.field + ' is not in the index template mapping');
		continue;
	}
	if (USE_TYPES[u.use] && !USE_TYPES[u.use].includes(type))
		fail(u.where + ': field ' + u.field + ' is ' + type + ', unsuitable for ' + u.use);
	if (u.use === 'written') continue;
	const origin = foreignOrigin(u.field);
	const sources = rt ? rt.sources : [origin && origin !== true ? origin : u.field];
	if (origin === true) continue;
	for (const s of sources)
		if (!seen[s]) fail(u.where + ': field ' + s + (s !== u.field ? ' (behind ' + u.field + ')' : '') +
		    ' never appears in the filter output');
	if (u.values && seen[u.field] && !rt) {
		for (const v of u.values) {
			if (v === '*' || /[*?]/.test(v)) continue;
			if (!seen[u.field].values.has(v))
				fail(u.where + ': ' + u.field + ' : ' + JSON.stringify(v) + ' never occurs in the filter output');
		}
	}
}

// ---- 6. the pipeline's syslog-prefix patterns, offline -----------------
// Elasticsearch's grok cannot run here; its base patterns are rendered
// below as JavaScript regular expressions (close enough for these lines),
// and the pipeline's patterns must then take the record out of the line
// shapes syslog daemons write.
const GROK_BASE = {
	NONNEGINT: '[0-9]+',
	POSINT: '[1-9][0-9]*',
	TIMESTAMP_ISO8601: '\\d{4}-\\d\\d-\\d\\d[T ]\\d\\d:?\\d\\d(?::?\\d\\d(?:[.,]\\d+)?)?(?:Z|[+-]\\d\\d:?\\d\\d)?',
	SYSLOGTIMESTAMP: '[A-Z][a-z]{2} +\\d{1,2} \\d\\d:\\d\\d:\\d\\d',
	SYSLOGHOST: '[A-Za-z0-9._:-]+',
	PROG: '[\\x21-\\x5a\\x5c\\x5e-\\x7e]+',
};
function grokRegex(pattern, defs) {
	const fields = [];
	const src = pattern.replace(/%\{([A-Z0-9_]+)(?::([^}]+))?\}/g, (all, name, field) => {
		const body = defs[name] !== undefined ? defs[name] : GROK_BASE[name];
		if (body === undefined) throw new Error('grok pattern ' + name + ' unknown to the validator');
		if (!field) return '(?:' + body + ')';
		fields.push(field);
		return '(' + body + ')';
	});
	return { re: new RegExp(src), fields: fields };
}
const grok = (pipelineDoc.processors || []).map((p) => p.grok).find((g) => g && g.tag === 'syslog-prefix');
if (check(grok, 'pipeline: no grok processor tagged syslog-prefix')) {
	const record = '{"@timestamp":"2026-11-25T10:00:00.000200Z","event":{"action":"link-connect"},"x":"a: {b}"}';
	const shapes = [
		['OpenBSD syslogd', 'Nov 25 10:00:00 mx filter-jsonlog[4242]: ', 'mx'],
		['OpenBSD syslogd -Z', '2026-11-25T10:00:00.123Z mx filter-jsonlog[4242]: ', 'mx'],
		['with priority', '<22>Nov  5 10:00:00 mx.example.org filter-jsonlog[7]: ', 'mx.example.org'],
		['RFC 3339 with offset', '2026-11-25T10:00:00.123456+00:00 mx filter-jsonlog[4242]: ', 'mx'],
		['unknown prefix', 'something else: ', null],
		['no prefix', '', null],
	];
	let res;
	try {
		res = grok.patterns.map((p) => grokRegex(p, grok.pattern_definitions || {}));
	} catch (e) {
		fail('pipeline grok: ' + e.message);
		res = [];
	}
	for (const [what, prefix, host] of shapes) {
		checks++;
		const line = prefix + record;
		let got = null;
		for (const g of res) {
			const m = g.re.exec(line);
			if (!m) continue;
			got = {};
			g.fields.forEach((f, i) => { if (m[i + 1] !== undefined) got[f] = m[i + 1]; });
			break;
		}
		if (!got) fail('pipeline grok: no pattern matches a line with ' + what + ' prefix');
		else if (got['_tmp_json'] !== record)
			fail('pipeline grok: ' + what + ': record taken as ' + JSON.stringify(got['_tmp_json']));
		else if ((got['log.syslog.hostname'] || null) !== host)
			fail('pipeline grok: ' + what + ': host taken as ' + got['log.syslog.hostname']);
		else if (host && (got['log.syslog.appname'] !== 'filter-jsonlog'))
			fail('pipeline grok: ' + what + ': program taken as ' + got['log.syslog.appname']);
	}
}

for (const p of pending) console.log('pending: ' + p);
const unseen = Object.keys(mapping).filter((f) => !seen[f] && !foreignOrigin(f));
if (unseen.length)
	console.log('note: mapped, never seen in these records: ' + unseen.join(' '));
console.log('validate: ' + nrecords + ' records, ' + Object.keys(seen).length + ' fields, ' +
    objects.length + ' saved objects, ' + nUses + ' field uses (' + pending.length + ' pending); ' +
    checks + ' checks, ' + failures + ' failures');
process.exit(failures ? 1 : 0);
