#!/usr/bin/env node
// Check Kibana saved objects against the rules Kibana 8.x/9.x apply on
// import and the shapes their plugins expect, as read in Kibana's sources
// (kibana/README.md, "Which Kibana versions" says where each rule comes
// from); no Kibana runs here.
//
//	node tests/examples/lenscheck.js FILE.ndjson      the export kibana/load.sh imports
//	node tests/examples/lenscheck.js --package DIR    an Elastic package's kibana/ assets
//	                                                  (decoded form, package-spec's rules too)
//
// One "FAIL: ..." line per problem, a last line with the counts; exit 1 if
// anything failed.  Rules:
//  - types: index-pattern, search, dashboard, lens, map; no legacy
//    visualization objects (a by-value markdown panel is allowed: Kibana
//    and package-spec do not count it as legacy);
//  - coreMigrationVersion 8.8.0 at most; typeMigrationVersion present, not
//    newer than the type's last legacy migration (dashboard 8.9.0, lens
//    8.9.0, map 8.4.0; search and index-pattern 8.0.0, the multi-namespace
//    conversion after their last own migrations 7.9.3 and 7.11.0) and not a model
//    version (10.x, which Kibana 8 before it refuses); no 7.x
//    migrationVersion;
//  - dashboard attributes within the dashboard type's 8.9.0 schema (which
//    refuses unknown keys); panels on the 48-column grid without overlap,
//    panelIndex = gridData.i, unique;
//  - by-reference panels: panelRefName panel_<i>, reference <i>:panel_<i>
//    to an object in the file; by-value panels: each reference of the
//    embedded attributes lifted to the dashboard as <i>:<name>, the same
//    target; every dashboard reference used;
//  - Lens: visualizationType lnsXY, lnsPie, lnsDatatable or lnsMetric;
//    datasource formBased only; each layer has a reference
//    indexpattern-datasource-layer-<layerId> to a data view in the file;
//    columnOrder = the layer's columns; every column a valid Lens
//    operation with a field where it needs one, bucketed or not as its
//    operation is, a known dataType; a terms column ordered by a metric
//    column of its layer; the visualization uses exactly the layer's
//    columns, buckets where buckets go, metrics where metrics go;
//  - Maps: 8.1+ layer type names, every data view by reference;
//  - every panel (Lens, map) and saved search filtered on a dataset
//    (event.dataset or data_stream.dataset) that the data view's title
//    covers, each filter's data view reference resolving;
//  - --package: package-spec's rules for Kibana assets: file name =
//    <id>.json under kibana/<type folder>/, named <package>-..., no
//    visualization, lens or map referenced by a dashboard, a filter or
//    query in every panel that queries (kbncontent's HasFilters paths).
'use strict';

const fs = require('fs');
const path = require('path');

let failures = 0, checks = 0;
function fail(msg) { failures++; console.log('FAIL: ' + msg); }
function check(cond, msg) { checks++; if (!cond) fail(msg); return cond; }

const MAX_TYPE = { dashboard: '8.9.0', lens: '8.9.0', map: '8.4.0', search: '8.0.0',
    'index-pattern': '8.0.0' };
const MAX_CORE = '8.8.0';
const DASHBOARD_ATTRS = new Set(['title', 'description', 'kibanaSavedObjectMeta', 'timeRestore',
    'timeFrom', 'timeTo', 'refreshInterval', 'controlGroupInput', 'panelsJSON', 'optionsJSON',
    'hits', 'version']);
const TOP_KEYS = new Set(['type', 'id', 'attributes', 'references', 'coreMigrationVersion',
    'typeMigrationVersion', 'managed', 'updated_at', 'created_at', 'version', 'namespaces',
    'originId']);
const VIS_TYPES = new Set(['lnsXY', 'lnsPie', 'lnsDatatable', 'lnsMetric']);
// Lens's operations (x-pack lens operations/definitions): field-based
// ones need sourceField; count's is ___records___.
const BUCKET_OPS = new Set(['terms', 'date_histogram', 'range', 'filters', 'multi_terms']);
const METRIC_OPS = new Set(['count', 'unique_count', 'sum', 'average', 'min', 'max', 'median',
    'percentile', 'percentile_rank', 'standard_deviation', 'last_value', 'formula', 'math',
    'static_value', 'cumulative_sum', 'differences', 'moving_average', 'counter_rate',
    'overall_sum', 'overall_min', 'overall_max', 'overall_average', 'time_scale']);
const NO_FIELD = new Set(['filters', 'formula', 'math', 'static_value', 'cumulative_sum',
    'differences', 'moving_average', 'counter_rate', 'overall_sum', 'overall_min', 'overall_max',
    'overall_average', 'time_scale']);
const DATA_TYPES = new Set(['string', 'number', 'date', 'boolean', 'ip', 'histogram',
    'geo_point', 'geo_shape', 'murmur3']);
const MAP_LAYERS = new Set(['RASTER_TILE', 'EMS_VECTOR_TILE', 'GEOJSON_VECTOR', 'MVT_VECTOR',
    'HEATMAP', 'BLENDED_VECTOR', 'LAYER_GROUP']);
const DATASET_FIELDS = ['event.dataset', 'data_stream.dataset'];

function vcmp(a, b) {
	const x = String(a).split('.').map(Number), y = String(b).split('.').map(Number);
	for (let i = 0; i < 3; i++) if ((x[i] || 0) !== (y[i] || 0)) return (x[i] || 0) - (y[i] || 0);
	return 0;
}
function parsed(v, where) {
	if (typeof v !== 'string') return v;
	try { return JSON.parse(v); } catch (e) { fail(where + ': does not parse: ' + e.message); return undefined; }
}

// ---- input -----------------------------------------------------------

let objects = [];
let pkg = null;
const args = process.argv.slice(2);
if (args[0] === '--package') {
	pkg = path.resolve(args[1]);
	const manifest = fs.readFileSync(path.join(pkg, 'manifest.yml'), 'utf8');
	const name = (manifest.match(/^name:\s*(\S+)/m) || [])[1];
	const kdir = path.join(pkg, 'kibana');
	const folders = { dashboard: 'dashboard', search: 'search', map: 'map', lens: 'lens',
	    visualization: 'visualization', 'index-pattern': 'index_pattern' };
	if (!fs.existsSync(kdir)) fail(pkg + ': no kibana/ folder');
	for (const d of fs.existsSync(kdir) ? fs.readdirSync(kdir) : []) {
		for (const f of fs.readdirSync(path.join(kdir, d))) {
			const where = 'kibana/' + d + '/' + f;
			let o;
			try { o = JSON.parse(fs.readFileSync(path.join(kdir, d, f), 'utf8')); }
			catch (e) { fail(where + ': ' + e.message); continue; }
			check(folders[o.type] === d, where + ': a ' + o.type + ' in folder ' + d);
			check(f === o.id + '.json', where + ': file name is not its id ' + o.id + '.json');
			if (d !== 'index_pattern')
				check(f.startsWith(name + '-') && !/-(ecs|ECS)\.json$/.test(f),
				    where + ': not named ' + name + '-<id>.json');
			o.where = where;
			objects.push(o);
		}
	}
} else {
	const file = args[0];
	fs.readFileSync(file, 'utf8').split('\n').forEach((l, n) => {
		if (!l.trim()) return;
		try {
			const o = JSON.parse(l);
			if (o.exportedCount === undefined) { o.where = o.type + '/' + o.id; objects.push(o); }
		} catch (e) { fail(file + ':' + (n + 1) + ': ' + e.message); }
	});
}
check(objects.length > 0, 'no saved objects');

const byKey = new Map();
for (const o of objects) {
	if (byKey.has(o.type + '/' + o.id)) fail(o.where + ': duplicate id');
	byKey.set(o.type + '/' + o.id, o);
}
const dataViews = objects.filter((o) => o.type === 'index-pattern');

// A data view's title: comma-separated patterns with *.
function covers(title, index) {
	return String(title).split(',').some((p) => new RegExp('^' +
	    p.trim().replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*') + '$').test(index));
}

// ---- filters ---------------------------------------------------------

const datasetsUsed = new Map();	// dataset -> [where]
// filtersOf: the datasets a list of filters (and a KQL query) pins.
function datasetOf(filters, query, refs, where) {
	const found = [];
	for (const f of filters || []) {
		const meta = f.meta || {};
		if (meta.disabled || meta.negate) continue;
		if (meta.indexRefName !== undefined)
			check(refs.some((r) => r.name === meta.indexRefName && r.type === 'index-pattern' &&
			    byKey.has('index-pattern/' + r.id)),
			    where + ': filter data view ' + meta.indexRefName + ' does not resolve');
		if (meta.index !== undefined) fail(where + ': filter names a data view by id (meta.index)');
		const q = f.query || {};
		const mp = q.match_phrase || q.term || {};
		for (const k of DATASET_FIELDS) {
			if (mp[k] === undefined) continue;
			const v = typeof mp[k] === 'object' ? (mp[k].query || mp[k].value) : mp[k];
			if (meta.key !== undefined && meta.key !== k) fail(where + ': filter meta.key ' + meta.key + ' for ' + k);
			found.push(v);
		}
	}
	const m = /(?:^|\s|\()(?:event|data_stream)\.dataset\s*:\s*"([^"]+)"/.exec((query || {}).query || '');
	if (m) found.push(m[1]);
	if (!check(found.length > 0, where + ': no filter on the dataset (event.dataset or data_stream.dataset)'))
		return null;
	for (const d of found) {
		if (!datasetsUsed.has(d)) datasetsUsed.set(d, []);
		datasetsUsed.get(d).push(where);
	}
	return found;
}

// ---- Lens ------------------------------------------------------------

function checkLens(a, refs, where) {
	check(VIS_TYPES.has(a.visualizationType), where + ': visualizationType ' + a.visualizationType +
	    ' is not one of ' + [...VIS_TYPES].join(', '));
	check(typeof a.title === 'string', where + ': no title');
	const st = a.state || {};
	const ds = st.datasourceStates || {};
	check(Object.keys(ds).length === 1 && ds.formBased,
	    where + ': datasourceStates must be formBased only (8.6.0 renamed indexpattern), not ' +
	    Object.keys(ds).join(','));
	const layers = (ds.formBased || {}).layers || {};
	check(Object.keys(layers).length > 0, where + ': no layer');
	const cols = {};	// column id -> {layer, col}
	for (const [lid, layer] of Object.entries(layers)) {
		const lw = where + ' layer ' + lid;
		const r = refs.find((x) => x.name === 'indexpattern-datasource-layer-' + lid);
		if (check(r, lw + ': no reference indexpattern-datasource-layer-' + lid))
			check(r.type === 'index-pattern' && byKey.has('index-pattern/' + r.id),
			    lw + ': data view ' + r.type + '/' + r.id + ' is not in the file');
		const columns = layer.columns || {};
		const order = layer.columnOrder || [];
		check(order.length === Object.keys(columns).length && order.every((c) => columns[c]),
		    lw + ': columnOrder ' + JSON.stringify(order) + ' is not its columns ' +
		    JSON.stringify(Object.keys(columns)));
		for (const [cid, c] of Object.entries(columns)) {
			const cw = lw + ' column ' + cid;
			checks++;
			cols[cid] = { layer: lid, col: c };
			const op = c.operationType;
			if (!BUCKET_OPS.has(op) && !METRIC_OPS.has(op)) { fail(cw + ': operationType ' + op + ' is not a Lens operation'); continue; }
			check(c.isBucketed === BUCKET_OPS.has(op), cw + ': isBucketed ' + c.isBucketed + ' for ' + op);
			check(DATA_TYPES.has(c.dataType), cw + ': dataType ' + c.dataType);
			check(typeof c.label === 'string', cw + ': no label');
			if (op === 'count') check(c.sourceField === '___records___', cw + ': count of ' + c.sourceField + ' (8.1.0: ___records___)');
			else if (!NO_FIELD.has(op)) check(typeof c.sourceField === 'string' && c.sourceField !== '', cw + ': ' + op + ' without sourceField');
			const p = c.params || {};
			if (op === 'terms') {
				check(Number.isInteger(p.size) && p.size > 0, cw + ': terms size ' + p.size);
				const ob = p.orderBy || {};
				if (ob.type === 'column')
					check(columns[ob.columnId] && !columns[ob.columnId].isBucketed,
					    cw + ': ordered by ' + ob.columnId + ', not a metric column of its layer');
				else check(['alphabetical', 'rare', 'significant', 'custom'].includes(ob.type), cw + ': orderBy ' + JSON.stringify(ob));
				check(['asc', 'desc'].includes(p.orderDirection), cw + ': orderDirection ' + p.orderDirection);
				// Lens offers "include documents without this field" for
				// string fields only (the engine refuses a string
				// missing value for a number).
				if (p.missingBucket) check(c.dataType === 'string', cw + ': missingBucket on a ' + c.dataType + ' field');
			}
			if (op === 'date_histogram') check(typeof p.interval === 'string', cw + ': no interval');
			if (op === 'filters') check(Array.isArray(p.filters) && p.filters.length > 0 && p.filters.every((f) =>
			    f.input && f.input.language === 'kuery' && typeof f.input.query === 'string'), cw + ': filters must be KQL inputs');
			if (op === 'range') check(p.type === 'range' && Array.isArray(p.ranges) && p.ranges.length > 0, cw + ': range without ranges');
			if (op === 'percentile') check(typeof p.percentile === 'number' && p.percentile > 0 && p.percentile < 100, cw + ': percentile ' + p.percentile);
			if (c.filter !== undefined) check(c.filter.language === 'kuery', cw + ': column filter not KQL');
		}
	}
	// The visualization: which columns it shows, as buckets or metrics.
	const vis = st.visualization || {};
	const want = [];	// [layerId, columnId, 'bucket'|'metric'|'any', role]
	const vt = a.visualizationType;
	const visLayers = vt === 'lnsXY' || vt === 'lnsPie' ? (vis.layers || []) : [vis];
	for (const l of visLayers) {
		if (vt === 'lnsXY' && l.layerType && l.layerType !== 'data') continue;
		const lid = l.layerId;
		if (!check(layers[lid], where + ': the visualization shows layer ' + lid + ', not in the datasource')) continue;
		check(l.layerType === 'data', where + ': layer ' + lid + ' layerType ' + l.layerType + ' (7.15.0 wants one)');
		if (vt === 'lnsXY') {
			if (l.xAccessor) want.push([lid, l.xAccessor, 'bucket', 'xAccessor']);
			(l.accessors || []).forEach((c) => want.push([lid, c, 'metric', 'accessors']));
			if (l.splitAccessor) want.push([lid, l.splitAccessor, 'bucket', 'splitAccessor']);
			check((l.accessors || []).length > 0, where + ': XY layer ' + lid + ' without accessors');
		} else if (vt === 'lnsPie') {
			(l.primaryGroups || []).forEach((c) => want.push([lid, c, 'bucket', 'primaryGroups']));
			(l.secondaryGroups || []).forEach((c) => want.push([lid, c, 'bucket', 'secondaryGroups']));
			check(Array.isArray(l.metrics) && l.metrics.length > 0, where + ': pie without metrics (8.6.0: metric became metrics)');
			(l.metrics || []).forEach((c) => want.push([lid, c, 'metric', 'metrics']));
		} else if (vt === 'lnsDatatable') {
			(l.columns || []).forEach((c) => want.push([lid, c.columnId, 'any', 'columns']));
		} else if (vt === 'lnsMetric') {
			check(l.metricAccessor, where + ': lnsMetric without metricAccessor (8.5.0: the new metric)');
			if (l.metricAccessor) want.push([lid, l.metricAccessor, 'metric', 'metricAccessor']);
			if (l.breakdownByAccessor) want.push([lid, l.breakdownByAccessor, 'bucket', 'breakdownByAccessor']);
		}
	}
	const shown = new Set();
	for (const [lid, cid, kind, role] of want) {
		checks++;
		const c = (layers[lid].columns || {})[cid];
		if (!c) { fail(where + ': ' + role + ' names column ' + cid + ', not in layer ' + lid); continue; }
		shown.add(cid);
		if (kind === 'bucket' && !c.isBucketed) fail(where + ': ' + role + ' ' + cid + ' is a metric');
		if (kind === 'metric' && c.isBucketed) fail(where + ': ' + role + ' ' + cid + ' is a bucket');
	}
	for (const cid of Object.keys(cols))
		check(shown.has(cid), where + ': column ' + cid + ' is not shown by the visualization');
	check(typeof (st.query || {}).query === 'string' && (st.query || {}).language === 'kuery',
	    where + ': state.query must be KQL');
	return datasetOf(st.filters, st.query, refs, where);
}

// ---- Maps ------------------------------------------------------------

function checkMap(a, refs, where) {
	const layers = parsed(a.layerListJSON, where + ' layerListJSON') || [];
	const state = parsed(a.mapStateJSON, where + ' mapStateJSON') || {};
	let withData = 0;
	for (const l of layers) {
		checks++;
		check(MAP_LAYERS.has(l.type), where + ': layer ' + l.id + ' type ' + l.type +
		    ' (8.1.0 renamed VECTOR, VECTOR_TILE, TILE, TILED_VECTOR)');
		const sd = l.sourceDescriptor || {};
		if (sd.indexPatternId) fail(where + ': layer ' + l.id + ' names a data view by id');
		if (sd.indexPatternRefName) {
			withData++;
			const r = refs.find((x) => x.name === sd.indexPatternRefName);
			check(r && r.type === 'index-pattern' && byKey.has('index-pattern/' + r.id),
			    where + ': layer ' + l.id + ' data view ' + sd.indexPatternRefName + ' does not resolve');
		}
	}
	check(withData > 0, where + ': no layer reads a data view');
	return datasetOf(state.filters, state.query, refs, where);
}

// ---- objects ---------------------------------------------------------

const PANEL_TYPES = new Set(['lens', 'map', 'search', 'visualization']);
for (const o of objects) {
	const where = o.where;
	checks++;
	for (const k of Object.keys(o)) if (!TOP_KEYS.has(k) && k !== 'where') fail(where + ': unexpected key ' + k);
	if (!MAX_TYPE[o.type]) { fail(where + ': type ' + o.type + (o.type === 'visualization' ?
	    ' (legacy visualizations: Lens instead)' : ' not expected')); continue; }
	if (o.migrationVersion) fail(where + ': 7.x migrationVersion (8.x exports use typeMigrationVersion)');
	if (check(o.coreMigrationVersion, where + ': no coreMigrationVersion'))
		check(vcmp(o.coreMigrationVersion, MAX_CORE) <= 0, where + ': coreMigrationVersion ' + o.coreMigrationVersion + ' newer than ' + MAX_CORE);
	if (check(o.typeMigrationVersion, where + ': no typeMigrationVersion')) {
		check(vcmp(o.typeMigrationVersion, '10.0.0') < 0, where + ': typeMigrationVersion ' + o.typeMigrationVersion +
		    ' is a model version: Kibana 8 releases before it refuse the object');
		check(vcmp(o.typeMigrationVersion, MAX_TYPE[o.type]) <= 0, where + ': typeMigrationVersion ' +
		    o.typeMigrationVersion + ' newer than the last legacy migration of ' + o.type + ' (' + MAX_TYPE[o.type] + ')');
	}
	const a = o.attributes || {};
	const refs = o.references || [];
	const names = new Set();
	for (const r of refs) {
		checks++;
		if (names.has(r.name)) fail(where + ': reference name ' + r.name + ' twice');
		names.add(r.name);
		// package-spec: data views may live outside the package (Fleet's logs-*).
		if (!byKey.has(r.type + '/' + r.id) && !(pkg && r.type === 'index-pattern' && !dataViews.length))
			fail(where + ': reference ' + r.name + ' -> ' + r.type + '/' + r.id + ' not in the file');
	}
	const used = new Set();
	if (o.type === 'index-pattern') {
		check(typeof a.title === 'string' && a.timeFieldName, where + ': title and timeFieldName wanted');
		for (const k of ['fieldFormatMap', 'runtimeFieldMap', 'fields']) if (a[k] !== undefined) parsed(a[k], where + ' ' + k);
	} else if (o.type === 'search') {
		const ss = parsed((a.kibanaSavedObjectMeta || {}).searchSourceJSON, where + ' searchSourceJSON') || {};
		if (check(ss.indexRefName, where + ': searchSourceJSON without indexRefName')) used.add(ss.indexRefName);
		check(!ss.index, where + ': searchSourceJSON.index names a data view by id');
		check(Array.isArray(a.sort) && a.sort.every(Array.isArray), where + ': sort must be an array of [field, direction] (7.4.0)');
		(ss.filter || []).forEach((f) => f.meta && f.meta.indexRefName && used.add(f.meta.indexRefName));
		datasetOf(ss.filter, ss.query, refs, where);
	} else if (o.type === 'lens') {
		refs.forEach((r) => used.add(r.name));
		checkLens(Object.assign({}, a, { state: parsed(a.state, where) }), refs, where);
	} else if (o.type === 'map') {
		refs.forEach((r) => used.add(r.name));
		checkMap(a, refs, where);
	} else if (o.type === 'dashboard') {
		for (const k of Object.keys(a)) check(DASHBOARD_ATTRS.has(k), where + ': attribute ' + k +
		    ' is not in the dashboard schema (unknowns: forbid)');
		check(typeof a.title === 'string', where + ': no title');
		parsed(a.optionsJSON, where + ' optionsJSON');
		const ss = parsed((a.kibanaSavedObjectMeta || {}).searchSourceJSON, where + ' searchSourceJSON') || {};
		const dashFilter = (ss.filter || []).length > 0;
		const panels = parsed(a.panelsJSON, where + ' panelsJSON') || [];
		const cells = [], idx = new Set();
		for (const p of panels) {
			const pw = where + ' panel ' + p.panelIndex;
			checks++;
			const g = p.gridData || {};
			if (idx.has(p.panelIndex)) fail(pw + ': panelIndex twice');
			idx.add(p.panelIndex);
			check(typeof p.panelIndex === 'string' && g.i === p.panelIndex, pw + ': gridData.i differs from panelIndex');
			check(g.x >= 0 && g.w > 0 && g.x + g.w <= 48 && g.y >= 0 && g.h > 0, pw + ': outside the 48-column grid');
			for (const c of cells)
				if (g.x < c.x + c.w && c.x < g.x + g.w && g.y < c.y + c.h && c.y < g.y + g.h)
					fail(where + ': panels ' + c.i + ' and ' + g.i + ' overlap');
			cells.push(g);
			if (!check(PANEL_TYPES.has(p.type), pw + ': panel type ' + p.type)) continue;
			const cfg = p.embeddableConfig || {};
			if (p.id) fail(pw + ': names its object by id, not panelRefName');
			if (p.panelRefName !== undefined) {
				check(p.panelRefName === 'panel_' + p.panelIndex, pw + ': panelRefName ' + p.panelRefName + ' (8.x: panel_<panelIndex>)');
				const rn = p.panelIndex + ':' + p.panelRefName;
				const r = refs.find((x) => x.name === rn);
				if (check(r, pw + ': no reference ' + rn)) {
					used.add(rn);
					check(r.type === p.type, pw + ': reference ' + rn + ' is a ' + r.type);
					if (pkg) check(!['lens', 'map', 'visualization'].includes(r.type),
					    pw + ': a ' + r.type + ' by reference (package-spec wants visualizations by value)');
				}
				if (cfg.query || cfg.filters) fail(pw + ': query or filters in embeddableConfig');
				continue;
			}
			const pref = refs.filter((r) => r.name.startsWith(p.panelIndex + ':'))
			    .map((r) => ({ name: r.name.slice(p.panelIndex.length + 1), type: r.type, id: r.id }));
			pref.forEach((r) => used.add(p.panelIndex + ':' + r.name));
			if (p.type === 'visualization') {
				const sv = cfg.savedVis;
				check(sv && sv.type === 'markdown', pw + ': a by-value legacy visualization (' +
				    (sv && sv.type) + '): only markdown is not legacy');
				continue;
			}
			const at = cfg.attributes;
			if (!check(at, pw + ': neither by reference nor by value')) continue;
			// Lens keeps its references in its attributes too (its
			// embeddable replaces them with the dashboard's on inject);
			// Maps' attributes have none (its embeddable looks the
			// dashboard's up by indexPatternRefName).
			const inner = at.references || [];
			if (p.type === 'map')
				check(at.references === undefined, pw + ': map attributes with references of their own');
			for (const r of inner)
				check(pref.some((x) => x.name === r.name && x.type === r.type && x.id === r.id),
				    pw + ': reference ' + r.name + ' of its attributes is not lifted to the dashboard as ' +
				    p.panelIndex + ':' + r.name);
			if (p.type === 'lens')
				for (const r of pref)
					check(inner.some((x) => x.name === r.name && x.id === r.id),
					    pw + ': dashboard reference ' + p.panelIndex + ':' + r.name + ' is not in its attributes');
			const ds = p.type === 'lens' ? checkLens(at, pref, pw) : checkMap(at, pref, pw);
			if (!ds && dashFilter) fail(pw + ': (the dashboard filter does not pin a dataset either)');
		}
	}
	for (const r of refs) if (o.type !== 'index-pattern')
		check(used.has(r.name), where + ': reference ' + r.name + ' is never used');
}

// Every dataset a panel pins must be under the data view's title.
for (const [d, wheres] of datasetsUsed) {
	checks++;
	const idx = 'logs-' + d + '-default';
	if (dataViews.length && !dataViews.some((v) => covers(v.attributes.title, idx)))
		fail(wheres[0] + ': dataset ' + d + ' (' + idx + ') is outside every data view\'s title');
}

const n = (t) => objects.filter((o) => o.type === t).length;
let lensPanels = 0, mapPanels = 0;
for (const d of objects.filter((o) => o.type === 'dashboard'))
	for (const p of parsed(d.attributes.panelsJSON, d.where) || []) {
		if (p.type === 'lens' && !p.panelRefName) lensPanels++;
		if (p.type === 'map' && !p.panelRefName) mapPanels++;
	}
console.log('lenscheck: ' + objects.length + ' objects (' + n('dashboard') + ' dashboards, ' +
    lensPanels + ' Lens and ' + mapPanels + ' map panels by value, ' + n('search') + ' searches, ' +
    n('index-pattern') + ' data views), datasets ' + [...datasetsUsed.keys()].sort().join(' ') +
    '; ' + checks + ' checks, ' + failures + ' failures');
process.exit(failures ? 1 : 0);
