#!/usr/bin/env node
// The Kibana saved objects of filter-jsonlog, written as readable
// definitions.  Run it to produce the import file:
//
//	node kibana/saved-objects.js > kibana/saved-objects.ndjson
//	node kibana/saved-objects.js --check kibana/saved-objects.ndjson
//	node kibana/saved-objects.js --decoded     (JSON array, nested JSON decoded:
//	                                            what packages/gen.py writes)
//
// The .ndjson is committed (it is what kibana/load.sh imports and what
// tests/examples/validate.js and tests/examples/lenscheck.js check);
// --check fails when it is stale.
//
// Format: Kibana 8.x export shape (type, id, attributes, references,
// coreMigrationVersion, typeMigrationVersion), importable by Kibana 8.x
// and 9.x.  Dashboards hold Lens panels by value (embeddableConfig.
// attributes: visualizationType, state.datasourceStates.formBased.layers)
// and Maps by value, each filtered on its dataset (event.dataset); saved
// searches stay objects of their own, referenced by the dashboards.
// Nested JSON attributes (searchSourceJSON, panelsJSON, optionsJSON,
// fieldFormatMap, runtimeFieldMap, layerListJSON, mapStateJSON,
// uiStateJSON) are strings, as Kibana stores them; --decoded gives them
// as objects, as Elastic packages keep them in their sources.
'use strict';

const fs = require('fs');
const path = require('path');

const DV = 'opensmtpd-jsonlog';
const DV_TITLE = 'logs-opensmtpd.*';
const CORE_MIGRATION = '8.8.0';
// The last legacy migration of each type that Kibana 8.x and 9.x both
// know (kibana/README.md says where each comes from).
const TYPE_MIGRATION = {
	'index-pattern': '7.11.0',
	search: '7.9.3',
	dashboard: '8.9.0',
};
// By-value panels are at their dashboard's version: the Lens state is in
// the shape of Lens's 8.9.0 migration, Maps' layers in that of 8.4.0.
const PANEL_VERSION = '8.9.0';
const INDEX_REF = 'kibanaSavedObjectMeta.searchSourceJSON.index';

// Datasets (event.dataset, = data_stream.dataset).
const EVENT = 'opensmtpd.event';
const TX = 'opensmtpd.transaction';
const SESSION = 'opensmtpd.session';
const STATS = 'opensmtpd.stats';

// Recipient domains: a data-view runtime field, so the TLS question
// "which recipient domains get mail over plain text" needs no extra field
// in the records.
const RCPT_DOMAIN = 'opensmtpd.rcpt_domain';
const RCPT_DOMAIN_SCRIPT =
    "if (doc.containsKey('email.to.address')) { " +
    "for (def a : doc['email.to.address']) { " +
    "int i = a.lastIndexOf('@'); " +
    "if (i >= 0) { emit(a.substring(i + 1).toLowerCase()); } } }";

// Lens's dataType of a column: from the mapping's type.  Fields of
// /work/plan-s4.md that a mapping may not have yet are typed here.
const MAPPING = path.join(__dirname, 'elasticsearch', 'component-template-mappings.json');
const FIELD_TYPES = {};
(function walk(props, prefix) {
	for (const [k, v] of Object.entries(props || {})) {
		if (v.properties) walk(v.properties, prefix + k + '.');
		else FIELD_TYPES[prefix + k] = v.type;
	}
})(JSON.parse(fs.readFileSync(MAPPING, 'utf8')).template.mappings.properties, '');
FIELD_TYPES[RCPT_DOMAIN] = 'keyword';
const PLAN_TYPES = {
	'opensmtpd.reply.code': 'long', 'opensmtpd.reply.enhanced': 'keyword',
	'opensmtpd.session.end_reason': 'keyword',
	'opensmtpd.tx.accepted_count': 'long', 'opensmtpd.tx.rejected_count': 'long',
};
function lensType(field) {
	const t = FIELD_TYPES[field] || PLAN_TYPES[field] ||
	    (/^opensmtpd\.(stats|session)\./.test(field) ? 'long' : undefined);
	if (t === undefined) throw new Error('saved-objects.js: field ' + field + ' has no type');
	return { keyword: 'string', constant_keyword: 'string', match_only_text: 'string',
	    long: 'number', integer: 'number', ip: 'ip', boolean: 'boolean', date: 'date' }[t] || 'string';
}

const objects = [];

function kql(query) {
	return { query: query, language: 'kuery' };
}

// The dataset filter every panel carries (package-spec wants a filter in
// each panel of a package's dashboards).  ref: the reference name of its
// data view, or null (Maps keep no data view in their filters).
function datasetFilter(dataset, ref) {
	const meta = { alias: null, negate: false, disabled: false, type: 'phrase',
	    key: 'event.dataset', params: { query: dataset } };
	if (ref) meta.indexRefName = ref;
	return { meta: meta, query: { match_phrase: { 'event.dataset': dataset } },
	    $state: { store: 'appState' } };
}

// ---- data view -------------------------------------------------------

objects.push({
	type: 'index-pattern',
	id: DV,
	attributes: {
		title: DV_TITLE,
		name: 'OpenSMTPD (logs-opensmtpd.*)',
		timeFieldName: '@timestamp',
		allowNoIndex: true,
		fields: '[]',
		fieldFormatMap: JSON.stringify({
			'event.duration': { id: 'duration',
			    params: { inputFormat: 'nanoseconds',
			    outputFormat: 'humanizePrecise', outputPrecision: 2 } },
			'opensmtpd.tx.size': { id: 'bytes' },
			'opensmtpd.stats.queue_bytes': { id: 'bytes' },
			'opensmtpd.stats.written_bytes': { id: 'bytes' },
		}),
		runtimeFieldMap: JSON.stringify({
			[RCPT_DOMAIN]: { type: 'keyword',
			    script: { source: RCPT_DOMAIN_SCRIPT } },
		}),
	},
	references: [],
});

// ---- Lens columns ----------------------------------------------------
// A column is {op, field, label, params}; lens() gives them ids.

function count(label) {
	return { op: 'count', field: '___records___', label: label || 'Count' };
}
function unique(field, label) {
	return { op: 'unique_count', field: field, label: label };
}
function metricOf(op, field, label) {
	return { op: { avg: 'average' }[op] || op, field: field, label: label };
}
function percentile(field, p, label) {
	return { op: 'percentile', field: field, label: label, params: { percentile: p } };
}
function terms(field, size, label, missing) {
	return { op: 'terms', field: field, label: label, bucket: true,
	    params: { size: size || 10, missingBucket: !!missing, missingLabel: missing } };
}
function filters(list, label) {
	return { op: 'filters', label: label || 'Filters', bucket: true,
	    params: { filters: list.map(([l, q]) => ({ input: kql(q), label: l })) } };
}
function dateHistogram() {
	return { op: 'date_histogram', field: '@timestamp', label: '@timestamp', bucket: true };
}
function ranges(field, list, label) {
	return { op: 'range', field: field, label: label, bucket: true,
	    params: { ranges: list.map(([from, to]) => ({ from: from, to: to, label: '' })) } };
}

function column(c, ids, firstMetric) {
	const out = { label: c.label, customLabel: true, operationType: c.op,
	    isBucketed: !!c.bucket };
	if (c.op === 'filters') {
		out.dataType = 'string';
		out.scale = 'ordinal';
		out.params = { filters: c.params.filters };
		return out;
	}
	out.sourceField = c.field;
	if (c.op === 'count') {
		out.dataType = 'number';
		out.scale = 'ratio';
		out.params = { emptyAsNull: false };
	} else if (c.op === 'date_histogram') {
		out.dataType = 'date';
		out.scale = 'interval';
		out.customLabel = false;
		out.params = { interval: 'auto', includeEmptyRows: false, dropPartials: false };
	} else if (c.op === 'terms') {
		out.dataType = lensType(c.field);
		out.scale = 'ordinal';
		out.params = { size: c.params.size,
		    orderBy: { type: 'column', columnId: ids[firstMetric] },
		    orderDirection: 'desc', otherBucket: false,
		    missingBucket: c.params.missingBucket,
		    parentFormat: { id: 'terms' } };
	} else if (c.op === 'range') {
		out.dataType = 'number';
		out.scale = 'ordinal';
		out.params = { type: 'range', ranges: c.params.ranges, maxBars: 'auto',
		    parentFormat: { id: 'range', params: { template: 'arrow_right',
		    replaceInfinity: true } } };
	} else {
		lensType(c.field);
		out.dataType = 'number';
		out.scale = 'ratio';
		out.params = c.op === 'percentile' ? { percentile: c.params.percentile } :
		    { emptyAsNull: true };
	}
	return out;
}

// lens(kind, id, title, description, dataset, query, cols): a by-value
// Lens panel's attributes.  kind: metric (one metric column), table,
// pie (buckets then one metric), bars/lines (date histogram, an optional
// split, then metrics).
function lens(kind, id, title, description, dataset, query, cols) {
	const layer = id;
	const ids = cols.map((c, n) => layer + '-c' + n);
	const firstMetric = cols.findIndex((c) => !c.bucket);
	const columns = {};
	cols.forEach((c, n) => { columns[ids[n]] = column(c, ids, firstMetric); });
	const buckets = ids.filter((_, n) => cols[n].bucket);
	const metrics = ids.filter((_, n) => !cols[n].bucket);
	let vt, vis;
	if (kind === 'metric') {
		vt = 'lnsMetric';
		vis = { layerId: layer, layerType: 'data', metricAccessor: metrics[0] };
	} else if (kind === 'table') {
		vt = 'lnsDatatable';
		vis = { layerId: layer, layerType: 'data',
		    columns: buckets.concat(metrics).map((c) => ({ columnId: c, isTransposed: false })) };
	} else if (kind === 'pie') {
		vt = 'lnsPie';
		vis = { shape: 'donut', layers: [{ layerId: layer, layerType: 'data',
		    primaryGroups: buckets, metrics: metrics, numberDisplay: 'percent',
		    categoryDisplay: 'default', legendDisplay: 'default', nestedLegend: false }] };
	} else {
		vt = 'lnsXY';
		const series = kind === 'lines' ? 'line' : 'bar_stacked';
		const l = { layerId: layer, layerType: 'data', seriesType: series,
		    xAccessor: buckets[0], accessors: metrics };
		if (buckets[1]) l.splitAccessor = buckets[1];
		vis = { legend: { isVisible: true, position: 'right' }, valueLabels: 'hide',
		    preferredSeriesType: series, layers: [l] };
	}
	const refs = [
		{ type: 'index-pattern', id: DV, name: 'indexpattern-datasource-layer-' + layer },
		{ type: 'index-pattern', id: DV, name: 'filter-index-pattern-0' },
	];
	return {
		title: title,
		description: description,
		visualizationType: vt,
		state: {
			visualization: vis,
			query: kql(query || ''),
			filters: [datasetFilter(dataset, 'filter-index-pattern-0')],
			datasourceStates: { formBased: { layers: { [layer]: {
				columnOrder: buckets.concat(metrics),
				columns: columns,
				incompleteColumns: {},
			} } } },
			internalReferences: [],
			adHocDataViews: {},
		},
		references: refs,
	};
}

// A Maps map by value: clients or remote servers as a grid of documents.
// Its data view reference lives in the dashboard only (Maps' embeddable
// finds it there by the layer's indexPatternRefName); the attributes keep
// no references of their own, unlike Lens's.
function geoMap(id, title, description, dataset, query, geoField, label) {
	const ref = 'layer_1_source_index_pattern';
	return { attributes: {
		title: title,
		description: description,
		layerListJSON: JSON.stringify([
			{ id: 'basemap', type: 'EMS_VECTOR_TILE', label: null,
			    sourceDescriptor: { type: 'EMS_TMS', isAutoSelect: true,
			    lightModeDefault: 'road_map_desaturated' }, visible: true,
			    alpha: 1, minZoom: 0, maxZoom: 24, style: { type: 'EMS_VECTOR_TILE' },
			    includeInFitToBounds: true },
			{ id: id + '-layer', type: 'GEOJSON_VECTOR', label: label,
			    sourceDescriptor: { id: id + '-grid', type: 'ES_GEO_GRID',
			    geoField: geoField, requestType: 'point', resolution: 'COARSE',
			    metrics: [{ type: 'count' }], applyGlobalQuery: true,
			    applyGlobalTime: true, applyForceRefresh: true,
			    indexPatternRefName: ref },
			    query: kql(query),
			    style: { type: 'VECTOR', isTimeAware: true, properties: {
				fillColor: { type: 'STATIC', options: { color: '#54B399' } },
				iconSize: { type: 'DYNAMIC', options: {
				    minSize: 4, maxSize: 32,
				    field: { name: 'doc_count', origin: 'source' },
				    fieldMetaOptions: { isEnabled: true, sigma: 3 } } } } },
			    visible: true, alpha: 0.75, minZoom: 0, maxZoom: 24,
			    includeInFitToBounds: true, joins: [] },
		]),
		mapStateJSON: JSON.stringify({
			zoom: 1.4, center: { lon: 0, lat: 20 },
			timeFilters: { from: 'now-24h', to: 'now' },
			refreshConfig: { isPaused: true, interval: 0 },
			query: kql(''), filters: [datasetFilter(dataset, null)],
			settings: { autoFitToDataBounds: false },
		}),
		uiStateJSON: JSON.stringify({ isLayerTOCOpen: true, openTOCDetails: [] }),
	}, references: [{ name: ref, type: 'index-pattern', id: DV }] };
}

function search(id, title, description, query, columns) {
	objects.push({
		type: 'search',
		id: id,
		attributes: {
			title: title,
			description: description,
			columns: columns,
			// Many records share a millisecond (Filebeat sends
			// @timestamp with milliseconds): event.sequence keeps a
			// session's records in order within one.
			sort: [['@timestamp', 'desc'], ['event.sequence', 'desc']],
			grid: {},
			hideChart: false,
			isTextBasedQuery: false,
			kibanaSavedObjectMeta: { searchSourceJSON: JSON.stringify({
				query: kql(query),
				filter: [datasetFilter(EVENT, 'kibanaSavedObjectMeta.searchSourceJSON.filter[0].meta.index')],
				indexRefName: INDEX_REF,
			}) },
		},
		references: [
			{ name: INDEX_REF, type: 'index-pattern', id: DV },
			{ name: 'kibanaSavedObjectMeta.searchSourceJSON.filter[0].meta.index',
			    type: 'index-pattern', id: DV },
		],
	});
	return id;
}

// A dashboard: panels are [kind, value, x, y, w, h] with kind lens (value:
// lens attributes), map (map attributes), markdown (text) or search (id).
function dashboard(id, title, description, panels) {
	const panelList = [];
	const refs = [];
	const seen = new Set();
	panels.forEach(([kind, value, x, y, w, h]) => {
		const i = kind === 'search' ? value : kind === 'markdown' ? id + '-about' :
		    kind === 'lens' ? Object.keys(value.state.datasourceStates.formBased.layers)[0] :
		    JSON.parse(value.attributes.layerListJSON)[1].id.replace(/-layer$/, '');
		if (seen.has(i)) throw new Error('saved-objects.js: panel ' + i + ' twice in ' + id);
		seen.add(i);
		const p = { version: PANEL_VERSION, type: kind === 'markdown' ? 'visualization' : kind,
		    gridData: { x: x, y: y, w: w, h: h, i: i }, panelIndex: i };
		if (kind === 'search') {
			p.embeddableConfig = { enhancements: {} };
			p.panelRefName = 'panel_' + i;
			refs.push({ name: i + ':panel_' + i, type: 'search', id: value });
		} else if (kind === 'markdown') {
			p.embeddableConfig = { enhancements: {}, savedVis: {
				title: '', description: '', type: 'markdown',
				params: { fontSize: 12, openLinksInNewTab: false, markdown: value },
				uiState: {}, data: { aggs: [], searchSource: { query: kql(''), filter: [] } },
			} };
		} else if (kind === 'map') {
			p.embeddableConfig = { enhancements: {}, attributes: value.attributes,
			    isLayerTOCOpen: true, hiddenLayers: [] };
			for (const r of value.references)
				refs.push({ name: i + ':' + r.name, type: r.type, id: r.id });
		} else {
			p.embeddableConfig = { enhancements: {}, attributes: value };
			for (const r of value.references)
				refs.push({ name: i + ':' + r.name, type: r.type, id: r.id });
		}
		panelList.push(p);
	});
	objects.push({
		type: 'dashboard',
		id: id,
		attributes: {
			title: title,
			description: description,
			timeRestore: true,
			timeFrom: 'now-24h',
			timeTo: 'now',
			refreshInterval: { pause: true, value: 0 },
			panelsJSON: JSON.stringify(panelList),
			optionsJSON: JSON.stringify({ useMargins: true,
			    syncColors: false, syncCursor: true, syncTooltips: false,
			    hidePanelTitles: false }),
			kibanaSavedObjectMeta: {
				searchSourceJSON: JSON.stringify({ query: kql(''), filter: [] }),
			},
		},
		references: refs,
	});
}

// ---- queries ---------------------------------------------------------
// Per-event records are one per event and carry the whole session state:
// count each thing on the one event that happens once per thing.  The
// summary datasets have one record per transaction or session.

const IN = 'event.provider : "smtp-in"';
const OUT = 'event.provider : "smtp-out"';
const SESSION_END_IN = IN + ' and event.action : "link-disconnect"';
const CONNECT_IN = IN + ' and event.action : "link-connect"';
const COMMIT_IN = IN + ' and event.action : "tx-commit"';
const ROLLBACK_IN = IN + ' and event.action : "tx-rollback"';
const COMMIT_OUT = OUT + ' and event.action : "tx-commit"';
const RCPT_OK_IN = IN + ' and event.action : "tx-rcpt" and event.outcome : "success"';
const RCPT_FAIL_IN = IN + ' and event.action : "tx-rcpt" and event.outcome : "failure"';
const RCPT_OUT = OUT + ' and event.action : "tx-rcpt"';
// smtp-in only: a link-auth failure of smtp-out is this server's own
// login at a relay, not somebody trying passwords here.
const AUTH_FAIL = IN + ' and event.action : "link-auth" and event.outcome : "failure"';
const FILTER_REJECT = 'event.action : "filter-response" and event.outcome : "failure"';
const FCRDNS_FAIL = CONNECT_IN + ' and opensmtpd.link.fcrdns : ("fail" or "error")';
const TLS = 'tls.established : true';
const NO_TLS = 'not tls.established : true';
const ERROR_REPLY = 'event.action : "protocol-server" and opensmtpd.protocol.line : (4* or 5*)';

// ---- overview --------------------------------------------------------

const ov = [];
ov.push(['lens', lens('metric', 'opensmtpd-sessions', 'Sessions',
    'Distinct incoming SMTP sessions (opensmtpd.session.id)', EVENT, IN,
    [unique('opensmtpd.session.id', 'smtp-in sessions')]), 0, 0, 8, 7]);
ov.push(['lens', lens('metric', 'opensmtpd-messages', 'Messages accepted',
    'tx-commit records of smtp-in: one per message accepted', EVENT, COMMIT_IN,
    [count('messages accepted')]), 8, 0, 8, 7]);
ov.push(['lens', lens('metric', 'opensmtpd-rcpt-accepted', 'Recipients accepted',
    'tx-rcpt records of smtp-in with outcome success', EVENT, RCPT_OK_IN,
    [count('recipients accepted')]), 16, 0, 8, 7]);
ov.push(['lens', lens('metric', 'opensmtpd-rcpt-rejected', 'Recipients refused',
    'tx-rcpt records of smtp-in with outcome failure', EVENT, RCPT_FAIL_IN,
    [count('recipients refused')]), 24, 0, 8, 7]);
ov.push(['lens', lens('metric', 'opensmtpd-delivered', 'Messages relayed',
    'tx-commit records of smtp-out: one per message handed to a remote server', EVENT, COMMIT_OUT,
    [count('messages relayed')]), 32, 0, 8, 7]);
ov.push(['lens', lens('metric', 'opensmtpd-auth-failures', 'Auth failures',
    'smtp-in link-auth records with outcome failure', EVENT, AUTH_FAIL,
    [count('auth failures')]), 40, 0, 8, 7]);
ov.push(['lens', lens('bars', 'opensmtpd-message-status', 'Message status over time',
    'Messages accepted and rolled back (smtp-in), relayed, and remote recipient results (smtp-out)',
    EVENT, '', [dateHistogram(), filters([
	['accepted', COMMIT_IN],
	['rolled back', ROLLBACK_IN],
	['relayed', COMMIT_OUT],
	['remote tempfail', RCPT_OUT + ' and event.reason : "tempfail"'],
	['remote permfail', RCPT_OUT + ' and event.reason : "permfail"'],
    ], 'status'), count('events')]), 0, 7, 24, 15]);
ov.push(['lens', lens('bars', 'opensmtpd-activity', 'Activity over time',
    'Sessions, messages and recipients, each counted on its own event', EVENT, '',
    [dateHistogram(), filters([
	['sessions', CONNECT_IN],
	['messages', COMMIT_IN],
	['recipients accepted', RCPT_OK_IN],
	['recipients refused', RCPT_FAIL_IN],
    ], 'what'), count('events')]), 24, 7, 24, 15]);
ov.push(['lens', lens('table', 'opensmtpd-top-senders', 'Top senders',
    'Envelope senders of accepted messages (<> is the null sender of bounces)', EVENT, COMMIT_IN,
    [terms('email.from.address', 10, 'sender'), count('messages')]), 0, 22, 12, 15]);
ov.push(['lens', lens('table', 'opensmtpd-top-recipients', 'Top recipients',
    'Accepted recipients of accepted messages', EVENT, COMMIT_IN,
    [terms('email.to.address', 10, 'recipient'), count('messages')]), 12, 22, 12, 15]);
ov.push(['lens', lens('table', 'opensmtpd-top-clients', 'Top clients',
    'SMTP clients by address, one count per session (link-disconnect), and their messages',
    EVENT, SESSION_END_IN,
    [terms('source.ip', 10, 'client'), count('sessions'),
     metricOf('sum', 'opensmtpd.session.message_count', 'messages')]), 24, 22, 12, 15]);
ov.push(['lens', lens('table', 'opensmtpd-message-sizes', 'Message sizes',
    'Messages accepted by size (opensmtpd.tx.size on tx-commit)', EVENT, COMMIT_IN,
    [ranges('opensmtpd.tx.size', [[null, 10240], [10240, 102400], [102400, 1048576],
	[1048576, 10485760], [10485760, null]], 'size (bytes)'),
     count('messages'), metricOf('sum', 'opensmtpd.tx.size', 'bytes')]), 36, 22, 12, 15]);
ov.push(['lens', lens('table', 'opensmtpd-top-helo', 'Top HELO names',
    'HELO/EHLO names, one count per session (link-disconnect)', EVENT, SESSION_END_IN,
    [terms('opensmtpd.helo.identity', 10, 'HELO name'), count('sessions')]), 0, 37, 24, 12]);
ov.push(['lens', lens('table', 'opensmtpd-top-rdns', 'Top client rDNS',
    'Reverse DNS of SMTP clients, one count per session', EVENT, SESSION_END_IN,
    [terms('opensmtpd.link.rdns', 10, 'rDNS'), count('sessions')]), 24, 37, 24, 12]);
ov.push(['search', search('opensmtpd-messages-search', 'OpenSMTPD: messages',
    'One line per message accepted (tx-commit)', COMMIT_IN,
    ['email.from.address', 'email.to.address', 'opensmtpd.tx.size',
     'source.ip', 'source.domain', 'tls.version', 'email.local_id']), 0, 49, 48, 15]);
ov.push(['markdown', 'Every per-event record is one smtpd event carrying its whole session. ' +
    'Counts are taken on the event that happens once per thing: sessions on link-connect or ' +
    'link-disconnect, messages on tx-commit, recipients on tx-rcpt. With `-r tx,session` ' +
    'the filter also writes one summary per transaction and per session: see ' +
    '**[OpenSMTPD] Summaries**. Recipient domains come from the data view field `' +
    RCPT_DOMAIN + '`.', 0, 64, 48, 5]);
dashboard('opensmtpd-overview', '[OpenSMTPD] Overview',
    'Sessions, messages and recipients; message status; top senders, recipients, clients, HELO names and rDNS', ov);

// ---- TLS -------------------------------------------------------------

const tl = [];
tl.push(['lens', lens('pie', 'opensmtpd-tls-share', 'TLS share of sessions',
    'smtp-in sessions that did or did not start TLS (counted on link-disconnect)', EVENT, SESSION_END_IN,
    [filters([['TLS', TLS], ['plain text', NO_TLS]], 'TLS'), count('sessions')]), 0, 0, 16, 15]);
tl.push(['lens', lens('pie', 'opensmtpd-tls-versions', 'TLS versions',
    'Protocol versions negotiated (link-tls), both directions', EVENT, 'event.action : "link-tls"',
    [terms('tls.version', 10, 'TLS version'), count('handshakes')]), 16, 0, 16, 15]);
tl.push(['lens', lens('table', 'opensmtpd-tls-ciphers', 'TLS ciphers',
    'Ciphers and key bits negotiated (link-tls)', EVENT, 'event.action : "link-tls"',
    [terms('tls.cipher', 20, 'cipher'), terms('opensmtpd.tls.bits', 5, 'bits'),
     count('handshakes')]), 32, 0, 16, 15]);
tl.push(['lens', lens('bars', 'opensmtpd-tls-over-time', 'TLS and plain-text sessions over time',
    'smtp-in sessions by TLS, counted on link-disconnect', EVENT, SESSION_END_IN,
    [dateHistogram(), filters([['TLS', TLS], ['plain text', NO_TLS]], 'TLS'), count('sessions')]),
    0, 15, 24, 15]);
tl.push(['lens', lens('table', 'opensmtpd-plain-by-rcpt-domain', 'Non-TLS sessions by recipient domain',
    'Messages accepted over plain text, by recipient domain: sessions (distinct ids) and messages',
    EVENT, COMMIT_IN + ' and ' + NO_TLS,
    [terms(RCPT_DOMAIN, 20, 'recipient domain'), unique('opensmtpd.session.id', 'sessions'),
     count('messages')]), 24, 15, 24, 15]);
tl.push(['lens', lens('table', 'opensmtpd-plain-clients', 'Plain-text clients',
    'smtp-in sessions without TLS by client address and HELO name', EVENT, SESSION_END_IN + ' and ' + NO_TLS,
    [terms('source.address', 10, 'client'), terms('opensmtpd.helo.identity', 3, 'HELO name'),
     count('sessions')]), 0, 30, 24, 15]);
tl.push(['lens', lens('table', 'opensmtpd-tls-out', 'TLS of outgoing sessions',
    'smtp-out sessions by remote server and TLS version (counted on link-disconnect)',
    EVENT, OUT + ' and event.action : "link-disconnect"',
    [terms('opensmtpd.link.greeting', 20, 'remote server', 'never greeted'),
     terms('tls.version', 5, 'TLS version', 'plain text'), count('sessions')]), 24, 30, 24, 15]);
dashboard('opensmtpd-tls', '[OpenSMTPD] TLS',
    'TLS share, versions and ciphers; plain-text sessions by recipient domain and client', tl);

// ---- security --------------------------------------------------------

const se = [];
se.push(['lens', lens('metric', 'opensmtpd-auth-failures-count', 'Failed logins',
    'smtp-in link-auth records with outcome failure (smtp-out failures are this server\'s own relay logins)',
    EVENT, AUTH_FAIL, [count('failed logins')]), 0, 0, 12, 7]);
se.push(['lens', lens('metric', 'opensmtpd-filter-rejects-count', 'Filter rejects',
    'filter-response records that rejected or disconnected', EVENT, FILTER_REJECT,
    [count('filter rejects')]), 12, 0, 12, 7]);
se.push(['lens', lens('metric', 'opensmtpd-fcrdns-failures-count', 'FCrDNS failures',
    'Connections whose forward-confirmed reverse DNS failed', EVENT, FCRDNS_FAIL,
    [count('FCrDNS failures')]), 24, 0, 12, 7]);
se.push(['lens', lens('metric', 'opensmtpd-rcpt-refused-count', 'Recipients refused',
    'tx-rcpt records of smtp-in with outcome failure', EVENT, RCPT_FAIL_IN,
    [count('recipients refused')]), 36, 0, 12, 7]);
se.push(['lens', lens('bars', 'opensmtpd-auth-failures-time', 'Failed logins over time',
    'smtp-in link-auth failures by client address', EVENT, AUTH_FAIL,
    [dateHistogram(), terms('source.ip', 5, 'client'), count('failures')]), 0, 7, 24, 15]);
se.push(['lens', lens('table', 'opensmtpd-auth-failures-table', 'Failed logins by user and address',
    'smtp-in link-auth failures', EVENT, AUTH_FAIL,
    [terms('user.name', 20, 'user'), terms('source.ip', 10, 'client'), count('failures')]),
    24, 7, 24, 15]);
se.push(['lens', lens('table', 'opensmtpd-rejected-rcpt', 'Refused recipients and reason',
    'tx-rcpt failures; opensmtpd.tx.rcpt_rejected lists every refused address of the ' +
    'transaction so far, so rows count transactions', EVENT, RCPT_FAIL_IN,
    [terms('event.reason', 5, 'result'), terms('opensmtpd.tx.rcpt_rejected', 20, 'recipient'),
     unique('opensmtpd.tx.id', 'transactions')]), 0, 22, 24, 15]);
se.push(['lens', lens('table', 'opensmtpd-error-replies', 'Error replies sent',
    'smtp-in replies with a 4xx or 5xx code, by reply code and enhanced status code',
    EVENT, IN + ' and ' + ERROR_REPLY,
    [terms('opensmtpd.reply.code', 20, 'code'),
     terms('opensmtpd.reply.enhanced', 10, 'enhanced code', 'none'), count('replies')]),
    24, 22, 24, 15]);
se.push(['lens', lens('table', 'opensmtpd-filter-rejects', 'Filter rejects',
    'filter-response reject/disconnect by phase and reply', EVENT, FILTER_REJECT,
    [terms('opensmtpd.filter.phase', 10, 'phase'), terms('opensmtpd.filter.response', 3, 'response'),
     terms('opensmtpd.filter.param', 10, 'reply'), count('rejects')]), 0, 37, 16, 15]);
se.push(['lens', lens('table', 'opensmtpd-filter-reports', 'Filter reports',
    'filter-report events of builtin filters', EVENT, 'event.action : "filter-report"',
    [terms('opensmtpd.filter.name', 10, 'filter'), terms('opensmtpd.filter.message', 10, 'message'),
     count('reports')]), 16, 37, 16, 15]);
se.push(['lens', lens('table', 'opensmtpd-fcrdns-failures', 'FCrDNS failures by client',
    'link-connect with opensmtpd.link.fcrdns fail or error', EVENT, FCRDNS_FAIL,
    [terms('source.ip', 20, 'client'), terms('opensmtpd.link.fcrdns', 2, 'FCrDNS'),
     terms('opensmtpd.link.rdns', 3, 'rDNS'), count('connections')]), 32, 37, 16, 15]);
se.push(['map', geoMap('opensmtpd-clients-map', 'Where clients connect from',
    'GeoIP of source.ip on smtp-in link-connect (the ingest pipeline adds source.geo)', EVENT,
    CONNECT_IN, 'source.geo.location', 'SMTP clients (connections)'), 0, 52, 32, 20]);
se.push(['lens', lens('table', 'opensmtpd-client-countries', 'Client countries',
    'GeoIP country of smtp-in connections', EVENT, CONNECT_IN,
    [terms('source.geo.country_iso_code', 20, 'country'), count('connections')]), 32, 52, 16, 10]);
se.push(['lens', lens('table', 'opensmtpd-client-asn', 'Client networks (ASN)',
    'ASN of smtp-in connections', EVENT, CONNECT_IN,
    [terms('source.as.organization.name', 20, 'network'), terms('source.as.number', 3, 'ASN'),
     count('connections')]), 32, 62, 16, 10]);
se.push(['search', search('opensmtpd-security-search', 'OpenSMTPD: security events',
    'Failed logins, refused recipients, filter rejects, FCrDNS failures',
    '(' + AUTH_FAIL + ') or (' + RCPT_FAIL_IN + ') or (' + FILTER_REJECT + ') or (' + FCRDNS_FAIL + ')',
    ['event.action', 'source.ip', 'opensmtpd.link.rdns', 'user.name', 'event.reason',
     'opensmtpd.tx.rcpt_rejected', 'opensmtpd.filter.param']), 0, 72, 48, 15]);
dashboard('opensmtpd-security', '[OpenSMTPD] Security',
    'Failed logins by user and address, refused recipients, error replies, filter rejects, FCrDNS failures, client geography', se);

// ---- delivery (smtp-out) ---------------------------------------------

const de = [];
de.push(['lens', lens('metric', 'opensmtpd-out-messages', 'Messages relayed',
    'smtp-out tx-commit', EVENT, COMMIT_OUT, [count('messages relayed')]), 0, 0, 12, 7]);
de.push(['lens', lens('metric', 'opensmtpd-out-rcpt-ok', 'Recipients accepted remotely',
    'smtp-out tx-rcpt with outcome success', EVENT, RCPT_OUT + ' and event.outcome : "success"',
    [count('recipients accepted')]), 12, 0, 12, 7]);
de.push(['lens', lens('metric', 'opensmtpd-out-rcpt-fail', 'Recipients refused remotely',
    'smtp-out tx-rcpt with outcome failure (tempfail will be retried)', EVENT,
    RCPT_OUT + ' and event.outcome : "failure"', [count('recipients refused')]), 24, 0, 12, 7]);
de.push(['lens', lens('metric', 'opensmtpd-out-no-connect', 'Connections that failed',
    'smtp-out sessions that ended without ever connecting', EVENT, OUT +
    ' and event.action : "link-disconnect" and not destination.address : *',
    [count('failed connections')]), 36, 0, 12, 7]);
de.push(['lens', lens('pie', 'opensmtpd-out-results', 'Remote recipient results',
    'smtp-out tx-rcpt by result', EVENT, RCPT_OUT,
    [filters([['accepted', 'event.outcome : "success"'], ['tempfail', 'event.reason : "tempfail"'],
	['permfail', 'event.reason : "permfail"']], 'result'), count('recipients')]), 0, 7, 16, 15]);
de.push(['lens', lens('bars', 'opensmtpd-out-over-time', 'Remote recipient results over time',
    'smtp-out tx-rcpt by result', EVENT, RCPT_OUT,
    [dateHistogram(), terms('event.outcome', 3, 'result'), count('recipients')]), 16, 7, 32, 15]);
de.push(['lens', lens('table', 'opensmtpd-out-refusals', 'Remote refusals by reason',
    'Error replies of remote servers (smtp-out protocol-server, 4xx or 5xx) by reply code and ' +
    'enhanced status code (RFC 3463)', EVENT, OUT + ' and ' + ERROR_REPLY,
    [terms('opensmtpd.reply.code', 20, 'code'),
     terms('opensmtpd.reply.enhanced', 10, 'enhanced code', 'none'),
     terms('destination.ip', 5, 'server'), count('replies')]), 0, 22, 24, 15]);
de.push(['lens', lens('table', 'opensmtpd-out-failures', 'Delivery failures by destination',
    'smtp-out tx-rcpt failures by remote server and result', EVENT, RCPT_OUT + ' and event.outcome : "failure"',
    [terms('destination.ip', 20, 'server'), terms('opensmtpd.link.greeting', 3, 'greeting'),
     terms('event.reason', 3, 'result'), count('recipients')]), 24, 22, 24, 15]);
de.push(['lens', lens('table', 'opensmtpd-out-failed-rcpt', 'Recipients refused remotely',
    'smtp-out: refused addresses of the transaction and the result of the refusal', EVENT,
    RCPT_OUT + ' and event.outcome : "failure"',
    [terms('opensmtpd.tx.rcpt_rejected', 20, 'recipient'), terms('event.reason', 3, 'result'),
     unique('opensmtpd.tx.id', 'transactions')]), 0, 37, 24, 15]);
de.push(['lens', lens('table', 'opensmtpd-out-destinations', 'Top destinations',
    'Messages relayed by remote server', EVENT, COMMIT_OUT,
    [terms('destination.ip', 20, 'server'), terms('opensmtpd.link.rdns', 3, 'rDNS'),
     count('messages'), metricOf('sum', 'opensmtpd.tx.size', 'bytes')]), 24, 37, 24, 15]);
de.push(['lens', lens('table', 'opensmtpd-out-slowest', 'Slowest outgoing transactions',
    'Time from tx-begin to tx-commit per remote server', EVENT, COMMIT_OUT,
    [terms('destination.ip', 10, 'server'), metricOf('max', 'event.duration', 'slowest'),
     metricOf('avg', 'event.duration', 'average')]), 0, 52, 24, 15]);
de.push(['lens', lens('table', 'opensmtpd-out-countries', 'Destination countries',
    'GeoIP country of the remote servers of smtp-out connections', EVENT,
    OUT + ' and event.action : "link-connect"',
    [terms('destination.geo.country_iso_code', 20, 'country'), count('connections')]), 24, 52, 24, 15]);
de.push(['map', geoMap('opensmtpd-destinations-map', 'Where mail is relayed to',
    'GeoIP of destination.ip on smtp-out link-connect (the ingest pipeline adds destination.geo)',
    EVENT, OUT + ' and event.action : "link-connect"', 'destination.geo.location',
    'Remote servers (connections)'), 0, 67, 48, 20]);
de.push(['search', search('opensmtpd-delivery-search', 'OpenSMTPD: delivery problems',
    'smtp-out refusals and sessions that ended without connecting',
    '(' + RCPT_OUT + ' and event.outcome : "failure") or (' + OUT +
    ' and event.action : "link-disconnect" and not destination.address : *)',
    ['destination.ip', 'opensmtpd.link.greeting', 'email.from.address',
     'opensmtpd.tx.rcpt_rejected', 'event.reason', 'email.local_id']), 0, 87, 48, 15]);
dashboard('opensmtpd-delivery', '[OpenSMTPD] Delivery',
    'Outgoing (smtp-out) results, remote refusals by reason, failures by destination and recipient, destination geography', de);

// ---- summaries (-r tx,session) ---------------------------------------

const su = [];
su.push(['lens', lens('metric', 'opensmtpd-sum-transactions', 'Transactions committed',
    'Transaction summaries with opensmtpd.tx.result commit', TX, 'opensmtpd.tx.result : "commit"',
    [count('committed')]), 0, 0, 12, 7]);
su.push(['lens', lens('metric', 'opensmtpd-sum-sessions', 'Sessions',
    'Session summaries (one per session)', SESSION, '', [count('sessions')]), 12, 0, 12, 7]);
su.push(['lens', lens('metric', 'opensmtpd-sum-rcpt-refused', 'Recipients refused',
    'Sum of opensmtpd.session.rcpt_refused over the session summaries', SESSION, '',
    [metricOf('sum', 'opensmtpd.session.rcpt_refused', 'recipients refused')]), 24, 0, 12, 7]);
su.push(['lens', lens('metric', 'opensmtpd-sum-error-replies', 'Error replies',
    'Sum of opensmtpd.session.error_replies (4xx/5xx replies) over the session summaries', SESSION, '',
    [metricOf('sum', 'opensmtpd.session.error_replies', 'error replies')]), 36, 0, 12, 7]);
su.push(['lens', lens('bars', 'opensmtpd-sum-results', 'Messages by result over time',
    'Transaction summaries by opensmtpd.tx.result (commit, rollback, aborted)', TX, '',
    [dateHistogram(), terms('opensmtpd.tx.result', 3, 'result'), count('transactions')]), 0, 7, 32, 15]);
su.push(['lens', lens('pie', 'opensmtpd-sum-end-reasons', 'Sessions by end reason',
    'Session summaries by opensmtpd.session.end_reason', SESSION, '',
    [terms('opensmtpd.session.end_reason', 5, 'end reason'), count('sessions')]), 32, 7, 16, 15]);
su.push(['lens', lens('table', 'opensmtpd-sum-tx-durations', 'Transaction durations',
    'tx-begin to the end of the transaction, by direction and result', TX, '',
    [terms('event.provider', 2, 'direction'), terms('opensmtpd.tx.result', 3, 'result'),
     count('transactions'), metricOf('avg', 'event.duration', 'average'),
     percentile('event.duration', 95, '95th percentile'), metricOf('max', 'event.duration', 'longest')]),
    0, 22, 24, 15]);
su.push(['lens', lens('table', 'opensmtpd-sum-session-durations', 'Session durations',
    'link-connect to the end of the session, by direction and end reason', SESSION, '',
    [terms('event.provider', 2, 'direction'), terms('opensmtpd.session.end_reason', 5, 'end reason'),
     count('sessions'), metricOf('avg', 'event.duration', 'average'),
     percentile('event.duration', 95, '95th percentile'), metricOf('max', 'event.duration', 'longest')]),
    24, 22, 24, 15]);
su.push(['lens', lens('table', 'opensmtpd-sum-per-client', 'Messages per client',
    'smtp-in session summaries by client address: sessions, messages, recipients accepted and refused',
    SESSION, IN,
    [terms('source.ip', 20, 'client'), count('sessions'),
     metricOf('sum', 'opensmtpd.session.message_count', 'messages'),
     metricOf('sum', 'opensmtpd.session.rcpt_accepted', 'recipients accepted'),
     metricOf('sum', 'opensmtpd.session.rcpt_refused', 'recipients refused')]), 0, 37, 24, 15]);
su.push(['lens', lens('table', 'opensmtpd-sum-reply-codes', 'Last reply of the session',
    'Session summaries by the session\'s last reply code and enhanced status code', SESSION, '',
    [terms('event.provider', 2, 'direction'), terms('opensmtpd.reply.code', 20, 'code'),
     terms('opensmtpd.reply.enhanced', 10, 'enhanced code', 'none'), count('sessions')]),
    24, 37, 24, 15]);
su.push(['lens', lens('table', 'opensmtpd-sum-senders', 'Senders of committed messages',
    'Transaction summaries with result commit, by envelope sender: messages and recipients accepted',
    TX, 'opensmtpd.tx.result : "commit"',
    [terms('email.from.address', 10, 'sender'), count('messages'),
     metricOf('sum', 'opensmtpd.tx.accepted_count', 'recipients accepted'),
     metricOf('sum', 'opensmtpd.tx.size', 'bytes')]), 0, 52, 48, 15]);
dashboard('opensmtpd-summaries', '[OpenSMTPD] Summaries',
    'Transaction and session summaries (-r tx,session): results, end reasons, durations, clients, reply codes', su);

// ---- self-statistics (-i seconds) ------------------------------------

const st = [];
st.push(['lens', lens('metric', 'opensmtpd-stats-dropped', 'Records dropped',
    'Highest opensmtpd.stats.dropped (a counter since start) in the time range', STATS, '',
    [metricOf('max', 'opensmtpd.stats.dropped', 'dropped')]), 0, 0, 12, 7]);
st.push(['lens', lens('metric', 'opensmtpd-stats-open', 'Sessions open',
    'Highest opensmtpd.stats.sessions_open in the time range', STATS, '',
    [metricOf('max', 'opensmtpd.stats.sessions_open', 'sessions open')]), 12, 0, 12, 7]);
st.push(['lens', lens('metric', 'opensmtpd-stats-malformed', 'Malformed lines',
    'Highest opensmtpd.stats.malformed in the time range', STATS, '',
    [metricOf('max', 'opensmtpd.stats.malformed', 'malformed')]), 24, 0, 12, 7]);
st.push(['lens', lens('metric', 'opensmtpd-stats-queue', 'Output queue',
    'Highest opensmtpd.stats.queue_bytes (bytes waiting to be written)', STATS, '',
    [metricOf('max', 'opensmtpd.stats.queue_bytes', 'queue bytes')]), 36, 0, 12, 7]);
st.push(['lens', lens('lines', 'opensmtpd-stats-counts', 'Events, records and drops over time',
    'Counters since start (cumulative): the highest value in each interval', STATS, '',
    [dateHistogram(), metricOf('max', 'opensmtpd.stats.events', 'events'),
     metricOf('max', 'opensmtpd.stats.records', 'records'),
     metricOf('max', 'opensmtpd.stats.dropped', 'dropped')]), 0, 7, 24, 15]);
st.push(['lens', lens('lines', 'opensmtpd-stats-queue-time', 'Queue and open sessions over time',
    'opensmtpd.stats.queue_bytes and sessions_open: the highest value in each interval', STATS, '',
    [dateHistogram(), metricOf('max', 'opensmtpd.stats.queue_bytes', 'queue bytes'),
     metricOf('max', 'opensmtpd.stats.sessions_open', 'sessions open')]), 24, 7, 24, 15]);
st.push(['lens', lens('table', 'opensmtpd-stats-hosts', 'Filters by host',
    'Each filter process (observer.hostname) with its latest counters', STATS, '',
    [terms('observer.hostname', 20, 'host'), count('stats records'),
     metricOf('max', 'opensmtpd.stats.events', 'events'),
     metricOf('max', 'opensmtpd.stats.records', 'records'),
     metricOf('max', 'opensmtpd.stats.dropped', 'dropped'),
     metricOf('max', 'opensmtpd.stats.sessions_expired', 'sessions expired'),
     metricOf('max', 'opensmtpd.stats.sessions_evicted', 'sessions evicted'),
     metricOf('max', 'opensmtpd.stats.written_bytes', 'bytes written')]), 0, 22, 48, 12]);
dashboard('opensmtpd-stats', '[OpenSMTPD] Self-statistics',
    'The filter\'s own counters (-i seconds): events, records, drops, queue, open sessions', st);

// ---- output ----------------------------------------------------------

function exported(o) {
	return {
		type: o.type,
		id: o.id,
		attributes: o.attributes,
		references: o.references,
		coreMigrationVersion: CORE_MIGRATION,
		typeMigrationVersion: TYPE_MIGRATION[o.type],
	};
}

function render() {
	return objects.map((o) => JSON.stringify(exported(o))).join('\n') + '\n';
}

// The decoded form Elastic packages keep in their sources: the fields
// elastic-package decodes on export and encodes again on build (and
// packages/build.py here); nested ones (by-value map attributes, a data
// view's fieldFormatMap) stay strings.
const DECODE = ['panelsJSON', 'optionsJSON', 'layerListJSON', 'mapStateJSON',
    'uiStateJSON', 'visState'];
function decoded() {
	return objects.map((o) => {
		const e = JSON.parse(JSON.stringify(exported(o)));
		const a = e.attributes;
		for (const k of DECODE) if (typeof a[k] === 'string') a[k] = JSON.parse(a[k]);
		const meta = a.kibanaSavedObjectMeta;
		if (meta && typeof meta.searchSourceJSON === 'string')
			meta.searchSourceJSON = JSON.parse(meta.searchSourceJSON);
		return e;
	});
}

if (require.main === module) {
	const text = render();
	if (process.argv[2] === '--check') {
		const file = process.argv[3];
		const have = fs.readFileSync(file, 'utf8');
		if (have !== text) {
			console.error(file + ' is stale: run node kibana/saved-objects.js > ' + file);
			process.exit(1);
		}
	} else if (process.argv[2] === '--decoded') {
		process.stdout.write(JSON.stringify(decoded(), null, 2) + '\n');
	} else {
		process.stdout.write(text);
	}
}
module.exports = { render: render, decoded: decoded, DV: DV, RCPT_DOMAIN: RCPT_DOMAIN,
    DATASETS: [EVENT, TX, SESSION, STATS] };
