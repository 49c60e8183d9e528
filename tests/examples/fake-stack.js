#!/usr/bin/env node
// A stand-in for Elasticsearch and Kibana on 127.0.0.1, for testing
// kibana/load.sh: it answers like both (one port), records every request
// (method, path, headers that matter, body) as a JSON line in LOG, and
// refuses requests whose Authorization header is not AUTH.
//
//	node fake-stack.js PORTFILE LOG AUTH [KIBANA_VERSION_FILE]
//
// GET /api/status answers Kibana's version: the contents of
// KIBANA_VERSION_FILE when it exists, else 8.19.0.
// Writes the port it listens on to PORTFILE; stops on SIGTERM or after
// 60 seconds, whichever comes first.
'use strict';

const http = require('http');
const fs = require('fs');
const [portFile, logFile, auth, kibanaVersionFile] = process.argv.slice(2);

const server = http.createServer((req, res) => {
	const chunks = [];
	req.on('data', (c) => chunks.push(c));
	req.on('end', () => {
		const body = Buffer.concat(chunks).toString('utf8');
		fs.appendFileSync(logFile, JSON.stringify({
			method: req.method, url: req.url,
			authorization: req.headers.authorization || null,
			contentType: req.headers['content-type'] || null,
			xsrf: req.headers['kbn-xsrf'] || null,
			body: body,
		}) + '\n');
		const send = (code, obj) => {
			res.writeHead(code, { 'Content-Type': 'application/json' });
			res.end(JSON.stringify(obj));
		};
		if (req.headers.authorization !== auth)
			return send(401, { error: { type: 'security_exception',
			    reason: 'missing authentication credentials' }, status: 401 });
		if (req.method === 'GET' && req.url === '/api/status') {
			const v = kibanaVersionFile && fs.existsSync(kibanaVersionFile) ?
			    fs.readFileSync(kibanaVersionFile, 'utf8').trim() : '8.19.0';
			return send(200, { name: 'fake', version: { number: v, build_flavor: 'traditional' },
			    status: { overall: { level: 'available' } } });
		}
		if (req.method === 'GET' && req.url === '/')
			return send(200, { name: 'fake', version: { number: '8.11.3' } });
		// Asked by load.sh to find out what the cluster has: the fake
		// says it has ILM and keeps quiet on the rest (404: unknown).
		if (req.method === 'GET' && req.url === '/_ilm/status')
			return send(200, { operation_mode: 'RUNNING' });
		if (req.method === 'PUT')
			return send(200, { acknowledged: true });
		if (req.method === 'POST' && req.url.includes('/api/saved_objects/_import')) {
			const n = (body.match(/^\{"type":/gm) || []).length;
			return send(200, { success: true, successCount: n, successResults: [] });
		}
		send(404, { error: 'no such endpoint here' });
	});
});
server.listen(0, '127.0.0.1', () => {
	fs.writeFileSync(portFile, String(server.address().port));
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
setTimeout(() => process.exit(0), 60000).unref();
