#!/usr/bin/env node
// The Kibana saved objects of filter-jsonlog, written as readable
// definitions.  Run it to produce the import file:
//
//	node kibana/saved-objects.js > kibana/saved-objects.ndjson
//	node kibana/saved-objects.js --check kibana/saved-objects.ndjson
//
// The .ndjson is committed (it is what kibana/load.sh imports and what
// tests/examples/validate.js checks); --check fails when it is stale.
//
// Format: Kibana 7.x export shape (type, id, attributes, references,
// migrationVersion), legacy aggregation-based visualizations, saved
// searches, one map and dashboards, so that Kibana 7.17 imports the file
// and 8.x migrates it on import.  Nested JSON attributes (visState,
// searchSourceJSON, panelsJSON, optionsJSON, uiStateJSON, fieldFormatMap,
// runtimeFieldMap, layerListJSON, mapStateJSON) are strings, as Kibana
// stores them.
'use strict';

const DV = 'opensmtpd-jsonlog';
const DV_TITLE = 'logs-opensmtpd.*';
const MIGRATION = {
	'index-pattern': '7.11.0',
	search: '7.9.3',
	visualization: '7.14.0',
	dashboard: '7.14.0',
	map: '7.14.0',
};
const PANEL_VERSION = '7.14.0';
const INDEX_REF = 'kibanaSavedObjectMeta.searchSourceJSON.index';

// Recipient domains: a data-view runtime field, so the TLS question
// "which recipient domains get mail over plain text" needs no extra field
// in the records.
const RCPT_DOMAIN = 'opensmtpd.rcpt_domain';
const RCPT_DOMAIN_SCRIPT =
    "if (doc.containsKey('email.to.address')) { " +
    "for (def a : doc['email.to.address']) { " +
    "int i = a.lastIndexOf('@'); " +
    "if (i >= 0) { emit(a.substring(i + 1).toLowerCase()); } } }";

const objects = [];

function kql(query) {
	return { query: query, language: 'kuery' };
}

function searchSource(query) {
	return JSON.stringify({
		query: kql(query || ''),
		filter: [],
		indexRefName: INDEX_REF,
	});
}

function dvRef() {
	return [{ name: INDEX_REF, type: 'index-pattern', id: DV }];
}

// ---- data view -------------------------------------------------------

objects.push({
	type: 'index-pattern',
	id: DV,
	attributes: {
		title: DV_TITLE,
		timeFieldName: '@timestamp',
		fields: '[]',
		fieldFormatMap: JSON.stringify({
			'event.duration': { id: 'duration',
			    params: { inputFormat: 'nanoseconds',
			    outputFormat: 'humanizePrecise', outputPrecision: 2 } },
			'opensmtpd.tx.size': { id: 'bytes' },
		}),
		runtimeFieldMap: JSON.stringify({
			[RCPT_DOMAIN]: { type: 'keyword',
			    script: { source: RCPT_DOMAIN_SCRIPT } },
		}),
	},
	references: [],
});

// ---- aggregations ----------------------------------------------------

let aggSeq = 0;
function agg(type, schema, params) {
	aggSeq++;
	return { id: String(aggSeq), enabled: true, type: type,
	    params: params || {}, schema: schema };
}
function count(label) {
	return agg('count', 'metric', label ? { customLabel: label } : {});
}
function unique(field, label) {
	return agg('cardinality', 'metric', { field: field, customLabel: label });
}
function metricOf(type, field, label) {
	return agg(type, 'metric', { field: field, customLabel: label });
}
function terms(field, schema, size, label, missing) {
	return agg('terms', schema, {
		field: field, orderBy: '1', order: 'desc', size: size || 10,
		otherBucket: false, otherBucketLabel: 'Other',
		missingBucket: !!missing, missingBucketLabel: missing || 'Missing',
		customLabel: label,
	});
}
function filters(schema, list) {
	return agg('filters', schema, {
		filters: list.map(([label, q]) => ({ input: kql(q), label: label })),
	});
}
function dateHistogram() {
	return agg('date_histogram', 'segment', {
		field: '@timestamp', useNormalizedEsInterval: true,
		scaleMetricValues: false, interval: 'auto', drop_partials: false,
		min_doc_count: 1, extended_bounds: {},
	});
}
function ranges(field, list, label) {
	return agg('range', 'bucket', {
		field: field, customLabel: label,
		ranges: list.map(([from, to]) => {
			const r = {};
			if (from !== null) r.from = from;
			if (to !== null) r.to = to;
			return r;
		}),
	});
}

// ---- visualizations --------------------------------------------------

function visualization(id, title, description, type, params, aggs, query) {
	const withIndex = aggs.length > 0;
	objects.push({
		type: 'visualization',
		id: id,
		attributes: {
			title: title,
			description: description,
			version: 1,
			uiStateJSON: '{}',
			visState: JSON.stringify({ title: title, type: type,
			    params: params, aggs: aggs }),
			kibanaSavedObjectMeta: {
				searchSourceJSON: withIndex ? searchSource(query) :
				    JSON.stringify({ query: kql(''), filter: [] }),
			},
		},
		references: withIndex ? dvRef() : [],
	});
	aggSeq = 0;
	return id;
}

function metric(id, title, description, query, m) {
	aggSeq = 0;
	return visualization(id, title, description, 'metric', {
		addTooltip: true, addLegend: false, type: 'metric',
		metric: {
			percentageMode: false, useRanges: false,
			colorSchema: 'Green to Red', metricColorMode: 'None',
			colorsRange: [{ from: 0, to: 10000 }],
			labels: { show: true }, invertColors: false,
			style: { bgFill: '#000', bgColor: false,
			    labelColor: false, subText: '', fontSize: 36 },
		},
	}, [m || count()], query);
}

function table(id, title, description, query, aggsFn) {
	aggSeq = 0;
	return visualization(id, title, description, 'table', {
		perPage: 10, showPartialRows: false,
		showMetricsAtAllLevels: false, showTotal: false,
		totalFunc: 'sum', percentageCol: '',
	}, aggsFn(), query);
}

function pie(id, title, description, query, aggsFn) {
	aggSeq = 0;
	return visualization(id, title, description, 'pie', {
		type: 'pie', addTooltip: true, addLegend: true,
		legendPosition: 'right', isDonut: true,
		labels: { show: true, values: true, last_level: true,
		    truncate: 100 },
		palette: { type: 'palette', name: 'default' },
		distinctColors: true,
	}, aggsFn(), query);
}

function bars(id, title, description, query, aggsFn) {
	aggSeq = 0;
	const aggs = aggsFn();
	return visualization(id, title, description, 'histogram', {
		type: 'histogram',
		grid: { categoryLines: false },
		categoryAxes: [{ id: 'CategoryAxis-1', type: 'category',
		    position: 'bottom', show: true, style: {},
		    scale: { type: 'linear' },
		    labels: { show: true, filter: true, truncate: 100 },
		    title: {} }],
		valueAxes: [{ id: 'ValueAxis-1', name: 'LeftAxis-1',
		    type: 'value', position: 'left', show: true, style: {},
		    scale: { type: 'linear', mode: 'normal' },
		    labels: { show: true, rotate: 0, filter: false,
		    truncate: 100 }, title: { text: 'Count' } }],
		seriesParams: [{ show: true, type: 'histogram',
		    mode: 'stacked', data: { label: 'Count', id: aggs[0].id },
		    valueAxis: 'ValueAxis-1', drawLinesBetweenPoints: true,
		    lineWidth: 2, showCircles: true }],
		addTooltip: true, addLegend: true, legendPosition: 'right',
		times: [], addTimeMarker: false, labels: { show: false },
		thresholdLine: { show: false, value: 10, width: 1,
		    style: 'full', color: '#E7664C' },
		detailedTooltip: true,
		palette: { type: 'palette', name: 'default' },
		isVislibVis: true, fittingFunction: 'zero',
	}, aggs, query);
}

function markdown(id, title, text) {
	aggSeq = 0;
	return visualization(id, title, '', 'markdown', {
		fontSize: 12, openLinksInNewTab: false, markdown: text,
	}, [], '');
}

function search(id, title, description, query, columns) {
	objects.push({
		type: 'search',
		id: id,
		attributes: {
			title: title,
			description: description,
			hits: 0,
			columns: columns,
			// Many records share a millisecond (Filebeat sends
			// @timestamp with milliseconds): event.sequence keeps a
			// session's records in order within one.
			sort: [['@timestamp', 'desc'], ['event.sequence', 'desc']],
			version: 1,
			kibanaSavedObjectMeta: { searchSourceJSON: searchSource(query) },
		},
		references: dvRef(),
	});
	return id;
}

function geoMap(id, title, description, query, geoField, label) {
	const ref = 'layer_1_source_index_pattern';
	objects.push({
		type: 'map',
		id: id,
		attributes: {
			title: title,
			description: description,
			layerListJSON: JSON.stringify([
				{ id: 'basemap', type: 'VECTOR_TILE', label: null,
				    sourceDescriptor: { type: 'EMS_TMS',
				    isAutoSelect: true }, visible: true, alpha: 1,
				    minZoom: 0, maxZoom: 24,
				    style: { type: 'TILE' } },
				{ id: id + '-layer', type: 'VECTOR',
				    label: label,
				    sourceDescriptor: { id: id + '-grid',
				    type: 'ES_GEO_GRID',
				    geoField: geoField,
				    requestType: 'point', resolution: 'COARSE',
				    metrics: [{ type: 'count' }],
				    applyGlobalQuery: true,
				    indexPatternRefName: ref },
				    query: kql(query),
				    style: { type: 'VECTOR', properties: {
					fillColor: { type: 'STATIC',
					    options: { color: '#54B399' } },
					iconSize: { type: 'DYNAMIC', options: {
					    minSize: 4, maxSize: 32,
					    field: { name: 'doc_count',
					    origin: 'source' },
					    fieldMetaOptions: { isEnabled: true,
					    sigma: 3 } } } } },
				    visible: true, alpha: 0.75, minZoom: 0,
				    maxZoom: 24, joins: [] },
			]),
			mapStateJSON: JSON.stringify({
				zoom: 1.4, center: { lon: 0, lat: 20 },
				timeFilters: { from: 'now-24h', to: 'now' },
				refreshConfig: { isPaused: true, interval: 0 },
				query: kql(''), filters: [],
			}),
			uiStateJSON: JSON.stringify({ isLayerTOCOpen: true,
			    openTOCDetails: [] }),
		},
		references: [{ name: ref, type: 'index-pattern', id: DV }],
	});
	return id;
}

// panels: [[savedObjectType, id, x, y, w, h], ...]
function dashboard(id, title, description, panels) {
	const panelList = [];
	const refs = [];
	panels.forEach(([type, ref, x, y, w, h], n) => {
		const i = String(n + 1);
		panelList.push({
			version: PANEL_VERSION, type: type,
			gridData: { x: x, y: y, w: w, h: h, i: i },
			panelIndex: i, embeddableConfig: {},
			panelRefName: 'panel_' + n,
		});
		refs.push({ name: 'panel_' + n, type: type, id: ref });
	});
	objects.push({
		type: 'dashboard',
		id: id,
		attributes: {
			title: title,
			description: description,
			hits: 0,
			version: 1,
			timeRestore: true,
			timeFrom: 'now-24h',
			timeTo: 'now',
			refreshInterval: { pause: true, value: 0 },
			panelsJSON: JSON.stringify(panelList),
			optionsJSON: JSON.stringify({ useMargins: true,
			    syncColors: false, hidePanelTitles: false }),
			kibanaSavedObjectMeta: {
				searchSourceJSON: JSON.stringify({ query: kql(''),
				    filter: [] }),
			},
		},
		references: refs,
	});
}

// ---- queries ---------------------------------------------------------
// Records are one per event and carry the whole session state: count
// each thing on the one event that happens once per thing.

const IN = 'event.provider : "smtp-in"';
const OUT = 'event.provider : "smtp-out"';
const SESSION_END_IN = IN + ' and event.action : "link-disconnect"';
const CONNECT_IN = IN + ' and event.action : "link-connect"';
const COMMIT_IN = IN + ' and event.action : "tx-commit"';
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

// ---- overview --------------------------------------------------------

const ov = [];
ov.push(['visualization', metric('opensmtpd-sessions', 'OpenSMTPD: sessions',
    'Distinct incoming SMTP sessions (opensmtpd.session.id)', IN,
    unique('opensmtpd.session.id', 'smtp-in sessions')), 0, 0, 8, 7]);
ov.push(['visualization', metric('opensmtpd-messages', 'OpenSMTPD: messages accepted',
    'tx-commit records of smtp-in: one per message accepted', COMMIT_IN,
    count('messages accepted')), 8, 0, 8, 7]);
ov.push(['visualization', metric('opensmtpd-rcpt-accepted', 'OpenSMTPD: recipients accepted',
    'tx-rcpt records of smtp-in with outcome success', RCPT_OK_IN,
    count('recipients accepted')), 16, 0, 8, 7]);
ov.push(['visualization', metric('opensmtpd-rcpt-rejected', 'OpenSMTPD: recipients refused',
    'tx-rcpt records of smtp-in with outcome failure', RCPT_FAIL_IN,
    count('recipients refused')), 24, 0, 8, 7]);
ov.push(['visualization', metric('opensmtpd-delivered', 'OpenSMTPD: messages relayed',
    'tx-commit records of smtp-out: one per message handed to a remote server', COMMIT_OUT,
    count('messages relayed')), 32, 0, 8, 7]);
ov.push(['visualization', metric('opensmtpd-auth-failures', 'OpenSMTPD: auth failures',
    'smtp-in link-auth records with outcome failure', AUTH_FAIL,
    count('auth failures')), 40, 0, 8, 7]);
ov.push(['visualization', bars('opensmtpd-activity', 'OpenSMTPD: activity over time',
    'Sessions, messages and recipients, each counted on its own event', '',
    () => [count(), dateHistogram(), filters('group', [
	['sessions', CONNECT_IN],
	['messages', COMMIT_IN],
	['recipients accepted', RCPT_OK_IN],
	['recipients refused', RCPT_FAIL_IN],
    ])]), 0, 7, 32, 15]);
ov.push(['visualization', table('opensmtpd-message-sizes', 'OpenSMTPD: message sizes',
    'Messages accepted by size (opensmtpd.tx.size on tx-commit)', COMMIT_IN,
    () => [count('messages'), ranges('opensmtpd.tx.size', [
	[null, 10240], [10240, 102400], [102400, 1048576],
	[1048576, 10485760], [10485760, null]], 'size (bytes)'),
	metricOf('sum', 'opensmtpd.tx.size', 'bytes')]), 32, 7, 16, 15]);
ov.push(['visualization', table('opensmtpd-top-senders', 'OpenSMTPD: top senders',
    'Envelope senders of accepted messages (<> is the null sender of bounces)', COMMIT_IN,
    () => [count('messages'), terms('email.from.address', 'bucket', 10, 'sender')]),
    0, 22, 12, 15]);
ov.push(['visualization', table('opensmtpd-top-recipients', 'OpenSMTPD: top recipients',
    'Accepted recipients of accepted messages', COMMIT_IN,
    () => [count('messages'), terms('email.to.address', 'bucket', 10, 'recipient')]),
    12, 22, 12, 15]);
ov.push(['visualization', table('opensmtpd-top-helo', 'OpenSMTPD: top HELO names',
    'HELO/EHLO names, one count per session (link-disconnect)', SESSION_END_IN,
    () => [count('sessions'), terms('opensmtpd.helo.identity', 'bucket', 10, 'HELO name')]),
    24, 22, 12, 15]);
ov.push(['visualization', table('opensmtpd-top-rdns', 'OpenSMTPD: top client rDNS',
    'Reverse DNS of SMTP clients, one count per session', SESSION_END_IN,
    () => [count('sessions'), terms('opensmtpd.link.rdns', 'bucket', 10, 'rDNS')]),
    36, 22, 12, 15]);
ov.push(['search', search('opensmtpd-messages-search', 'OpenSMTPD: messages',
    'One line per message accepted (tx-commit)', COMMIT_IN,
    ['email.from.address', 'email.to.address', 'opensmtpd.tx.size',
     'source.ip', 'source.domain', 'tls.version', 'email.local_id']), 0, 37, 48, 15]);
ov.push(['visualization', markdown('opensmtpd-about', 'OpenSMTPD: about these dashboards',
    'Every record is one smtpd event carrying its whole session. Counts are taken ' +
    'on the event that happens once per thing: sessions on link-connect or ' +
    'link-disconnect, messages on tx-commit, recipients on tx-rcpt. ' +
    'Recipient domains come from the data view field `' + RCPT_DOMAIN + '`.'),
    0, 52, 48, 5]);
dashboard('opensmtpd-overview', '[OpenSMTPD] Overview',
    'Sessions, messages and recipients; top senders, recipients, HELO names and rDNS', ov);

// ---- TLS -------------------------------------------------------------

const tl = [];
tl.push(['visualization', pie('opensmtpd-tls-share', 'OpenSMTPD: TLS share of sessions',
    'smtp-in sessions that did or did not start TLS (counted on link-disconnect)', SESSION_END_IN,
    () => [count('sessions'), filters('segment', [['TLS', TLS], ['plain text', NO_TLS]])]),
    0, 0, 16, 15]);
tl.push(['visualization', pie('opensmtpd-tls-versions', 'OpenSMTPD: TLS versions',
    'Protocol versions negotiated (link-tls), both directions', 'event.action : "link-tls"',
    () => [count('handshakes'), terms('tls.version', 'segment', 10, 'TLS version')]),
    16, 0, 16, 15]);
tl.push(['visualization', table('opensmtpd-tls-ciphers', 'OpenSMTPD: TLS ciphers',
    'Ciphers and key bits negotiated (link-tls)', 'event.action : "link-tls"',
    () => [count('handshakes'), terms('tls.cipher', 'bucket', 20, 'cipher'),
	terms('opensmtpd.tls.bits', 'bucket', 5, 'bits')]), 32, 0, 16, 15]);
tl.push(['visualization', bars('opensmtpd-tls-over-time', 'OpenSMTPD: TLS and plain-text sessions over time',
    'smtp-in sessions by TLS, counted on link-disconnect', SESSION_END_IN,
    () => [count(), dateHistogram(), filters('group', [['TLS', TLS], ['plain text', NO_TLS]])]),
    0, 15, 24, 15]);
tl.push(['visualization', table('opensmtpd-plain-by-rcpt-domain', 'OpenSMTPD: non-TLS sessions by recipient domain',
    'Messages accepted over plain text, by recipient domain: sessions (distinct ids) and messages',
    COMMIT_IN + ' and ' + NO_TLS,
    () => [unique('opensmtpd.session.id', 'sessions'), terms(RCPT_DOMAIN, 'bucket', 20, 'recipient domain'),
	count('messages')]), 24, 15, 24, 15]);
tl.push(['visualization', table('opensmtpd-plain-clients', 'OpenSMTPD: plain-text clients',
    'smtp-in sessions without TLS by client address and HELO name', SESSION_END_IN + ' and ' + NO_TLS,
    () => [count('sessions'), terms('source.address', 'bucket', 10, 'client'),
	terms('opensmtpd.helo.identity', 'bucket', 3, 'HELO name')]), 0, 30, 24, 15]);
tl.push(['visualization', table('opensmtpd-tls-out', 'OpenSMTPD: TLS of outgoing sessions',
    'smtp-out sessions by remote server and TLS version (counted on link-disconnect)',
    OUT + ' and event.action : "link-disconnect"',
    () => [count('sessions'), terms('opensmtpd.link.greeting', 'bucket', 20, 'remote server', 'never greeted'),
	terms('tls.version', 'bucket', 5, 'TLS version', 'plain text')]), 24, 30, 24, 15]);
dashboard('opensmtpd-tls', '[OpenSMTPD] TLS',
    'TLS share, versions and ciphers; plain-text sessions by recipient domain and client', tl);

// ---- security --------------------------------------------------------

const se = [];
se.push(['visualization', metric('opensmtpd-auth-failures-count', 'OpenSMTPD: failed logins',
    'smtp-in link-auth records with outcome failure (smtp-out failures are this server\'s own relay logins)',
    AUTH_FAIL, count('failed logins')), 0, 0, 12, 7]);
se.push(['visualization', metric('opensmtpd-filter-rejects-count', 'OpenSMTPD: filter rejects',
    'filter-response records that rejected or disconnected', FILTER_REJECT,
    count('filter rejects')), 12, 0, 12, 7]);
se.push(['visualization', metric('opensmtpd-fcrdns-failures-count', 'OpenSMTPD: FCrDNS failures',
    'Connections whose forward-confirmed reverse DNS failed', FCRDNS_FAIL,
    count('FCrDNS failures')), 24, 0, 12, 7]);
se.push(['visualization', metric('opensmtpd-rcpt-refused-count', 'OpenSMTPD: recipients refused',
    'tx-rcpt records of smtp-in with outcome failure', RCPT_FAIL_IN,
    count('recipients refused')), 36, 0, 12, 7]);
se.push(['visualization', bars('opensmtpd-auth-failures-time', 'OpenSMTPD: failed logins over time',
    'smtp-in link-auth failures by client address', AUTH_FAIL,
    () => [count(), dateHistogram(), terms('source.ip', 'group', 5, 'client')]), 0, 7, 24, 15]);
se.push(['visualization', table('opensmtpd-auth-failures-table', 'OpenSMTPD: failed logins by user and address',
    'smtp-in link-auth failures', AUTH_FAIL,
    () => [count('failures'), terms('user.name', 'bucket', 20, 'user'),
	terms('source.ip', 'bucket', 10, 'client')]), 24, 7, 24, 15]);
se.push(['visualization', table('opensmtpd-rejected-rcpt', 'OpenSMTPD: refused recipients and reason',
    'tx-rcpt failures; opensmtpd.tx.rcpt_rejected lists every refused address of the ' +
    'transaction so far, so rows count transactions', RCPT_FAIL_IN,
    () => [unique('opensmtpd.tx.id', 'transactions'), terms('event.reason', 'bucket', 5, 'result'),
	terms('opensmtpd.tx.rcpt_rejected', 'bucket', 20, 'recipient')]), 0, 22, 24, 15]);
se.push(['visualization', table('opensmtpd-error-replies', 'OpenSMTPD: error replies sent',
    'smtp-in replies with a 4xx or 5xx code', IN + ' and event.action : "protocol-server" and ' +
    'opensmtpd.protocol.line : (4* or 5*)',
    () => [count('replies'), terms('opensmtpd.protocol.line', 'bucket', 20, 'reply')]), 24, 22, 24, 15]);
se.push(['visualization', table('opensmtpd-filter-rejects', 'OpenSMTPD: filter rejects',
    'filter-response reject/disconnect by phase and reply', FILTER_REJECT,
    () => [count('rejects'), terms('opensmtpd.filter.phase', 'bucket', 10, 'phase'),
	terms('opensmtpd.filter.response', 'bucket', 3, 'response'),
	terms('opensmtpd.filter.param', 'bucket', 10, 'reply')]), 0, 37, 16, 15]);
se.push(['visualization', table('opensmtpd-filter-reports', 'OpenSMTPD: filter reports',
    'filter-report events of builtin filters', 'event.action : "filter-report"',
    () => [count('reports'), terms('opensmtpd.filter.name', 'bucket', 10, 'filter'),
	terms('opensmtpd.filter.message', 'bucket', 10, 'message')]), 16, 37, 16, 15]);
se.push(['visualization', table('opensmtpd-fcrdns-failures', 'OpenSMTPD: FCrDNS failures by client',
    'link-connect with opensmtpd.link.fcrdns fail or error', FCRDNS_FAIL,
    () => [count('connections'), terms('source.ip', 'bucket', 20, 'client'),
	terms('opensmtpd.link.fcrdns', 'bucket', 2, 'FCrDNS'),
	terms('opensmtpd.link.rdns', 'bucket', 3, 'rDNS')]), 32, 37, 16, 15]);
se.push(['map', geoMap('opensmtpd-clients-map', 'OpenSMTPD: where clients connect from',
    'GeoIP of source.ip on smtp-in link-connect (the ingest pipeline adds source.geo)', CONNECT_IN,
    'source.geo.location', 'SMTP clients (connections)'),
    0, 52, 32, 20]);
se.push(['visualization', table('opensmtpd-client-countries', 'OpenSMTPD: client countries',
    'GeoIP country of smtp-in connections', CONNECT_IN,
    () => [count('connections'), terms('source.geo.country_iso_code', 'bucket', 20, 'country')]),
    32, 52, 16, 10]);
se.push(['visualization', table('opensmtpd-client-asn', 'OpenSMTPD: client networks (ASN)',
    'ASN of smtp-in connections', CONNECT_IN,
    () => [count('connections'), terms('source.as.organization.name', 'bucket', 20, 'network'),
	terms('source.as.number', 'bucket', 3, 'ASN')]), 32, 62, 16, 10]);
se.push(['search', search('opensmtpd-security-search', 'OpenSMTPD: security events',
    'Failed logins, refused recipients, filter rejects, FCrDNS failures',
    '(' + AUTH_FAIL + ') or (' + RCPT_FAIL_IN + ') or (' + FILTER_REJECT + ') or (' + FCRDNS_FAIL + ')',
    ['event.action', 'source.ip', 'opensmtpd.link.rdns', 'user.name', 'event.reason',
     'opensmtpd.tx.rcpt_rejected', 'opensmtpd.filter.param']), 0, 72, 48, 15]);
dashboard('opensmtpd-security', '[OpenSMTPD] Security',
    'Failed logins by user and address, refused recipients, filter rejects, FCrDNS failures, client map', se);

// ---- delivery (smtp-out) ---------------------------------------------

const de = [];
de.push(['visualization', metric('opensmtpd-out-messages', 'OpenSMTPD: messages relayed',
    'smtp-out tx-commit', COMMIT_OUT, count('messages relayed')), 0, 0, 12, 7]);
de.push(['visualization', metric('opensmtpd-out-rcpt-ok', 'OpenSMTPD: recipients accepted remotely',
    'smtp-out tx-rcpt with outcome success', RCPT_OUT + ' and event.outcome : "success"',
    count('recipients accepted')), 12, 0, 12, 7]);
de.push(['visualization', metric('opensmtpd-out-rcpt-fail', 'OpenSMTPD: recipients refused remotely',
    'smtp-out tx-rcpt with outcome failure (tempfail will be retried)', RCPT_OUT + ' and event.outcome : "failure"',
    count('recipients refused')), 24, 0, 12, 7]);
de.push(['visualization', metric('opensmtpd-out-no-connect', 'OpenSMTPD: connections that failed',
    'smtp-out sessions that ended without ever connecting', OUT +
    ' and event.action : "link-disconnect" and not destination.address : *',
    count('failed connections')), 36, 0, 12, 7]);
de.push(['visualization', pie('opensmtpd-out-results', 'OpenSMTPD: remote recipient results',
    'smtp-out tx-rcpt by result', RCPT_OUT,
    () => [count('recipients'), filters('segment', [
	['accepted', 'event.outcome : "success"'],
	['tempfail', 'event.reason : "tempfail"'],
	['permfail', 'event.reason : "permfail"']])]), 0, 7, 16, 15]);
de.push(['visualization', bars('opensmtpd-out-over-time', 'OpenSMTPD: remote recipient results over time',
    'smtp-out tx-rcpt by result', RCPT_OUT,
    () => [count(), dateHistogram(), terms('event.outcome', 'group', 3, 'result')]), 16, 7, 32, 15]);
de.push(['visualization', table('opensmtpd-out-failures', 'OpenSMTPD: delivery failures by destination',
    'smtp-out tx-rcpt failures by remote server and result', RCPT_OUT + ' and event.outcome : "failure"',
    () => [count('recipients'), terms('destination.ip', 'bucket', 20, 'server'),
	terms('opensmtpd.link.greeting', 'bucket', 3, 'greeting'),
	terms('event.reason', 'bucket', 3, 'result')]), 0, 22, 24, 15]);
de.push(['visualization', table('opensmtpd-out-failed-rcpt', 'OpenSMTPD: recipients refused remotely',
    'smtp-out: refused addresses of the transaction and the result of the refusal',
    RCPT_OUT + ' and event.outcome : "failure"',
    () => [unique('opensmtpd.tx.id', 'transactions'), terms('opensmtpd.tx.rcpt_rejected', 'bucket', 20, 'recipient'),
	terms('event.reason', 'bucket', 3, 'result')]), 24, 22, 24, 15]);
de.push(['visualization', table('opensmtpd-out-destinations', 'OpenSMTPD: top destinations',
    'Messages relayed by remote server', COMMIT_OUT,
    () => [count('messages'), terms('destination.ip', 'bucket', 20, 'server'),
	terms('opensmtpd.link.rdns', 'bucket', 3, 'rDNS'),
	metricOf('sum', 'opensmtpd.tx.size', 'bytes')]), 0, 37, 24, 15]);
de.push(['visualization', table('opensmtpd-out-slowest', 'OpenSMTPD: slowest outgoing transactions',
    'Time from tx-begin to tx-commit per remote server', COMMIT_OUT,
    () => [metricOf('max', 'event.duration', 'slowest'), terms('destination.ip', 'bucket', 10, 'server'),
	metricOf('avg', 'event.duration', 'average')]), 24, 37, 24, 15]);
de.push(['map', geoMap('opensmtpd-destinations-map', 'OpenSMTPD: where mail is relayed to',
    'GeoIP of destination.ip on smtp-out link-connect (the ingest pipeline adds destination.geo)',
    OUT + ' and event.action : "link-connect"', 'destination.geo.location',
    'Remote servers (connections)'), 0, 52, 48, 20]);
de.push(['search', search('opensmtpd-delivery-search', 'OpenSMTPD: delivery problems',
    'smtp-out refusals and sessions that ended without connecting',
    '(' + RCPT_OUT + ' and event.outcome : "failure") or (' + OUT +
    ' and event.action : "link-disconnect" and not destination.address : *)',
    ['destination.ip', 'opensmtpd.link.greeting', 'email.from.address',
     'opensmtpd.tx.rcpt_rejected', 'event.reason', 'email.local_id']), 0, 72, 48, 15]);
dashboard('opensmtpd-delivery', '[OpenSMTPD] Delivery',
    'Outgoing (smtp-out) results, failures by destination and recipient, a map of destinations', de);

// ---- output ----------------------------------------------------------

function render() {
	return objects.map((o) => JSON.stringify({
		type: o.type,
		id: o.id,
		attributes: o.attributes,
		references: o.references,
		migrationVersion: { [o.type]: MIGRATION[o.type] },
	})).join('\n') + '\n';
}

if (require.main === module) {
	const text = render();
	if (process.argv[2] === '--check') {
		const file = process.argv[3];
		const have = require('fs').readFileSync(file, 'utf8');
		if (have !== text) {
			console.error(file + ' is stale: run node kibana/saved-objects.js > ' + file);
			process.exit(1);
		}
	} else {
		process.stdout.write(text);
	}
}
module.exports = { render: render, DV: DV, RCPT_DOMAIN: RCPT_DOMAIN };
