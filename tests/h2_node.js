// SPDX-License-Identifier: GPL-2.0
// node's http2 client: node h2_node.js PORT PATH HEADER-VALUE OUT
// One request on one connection to https://127.0.0.1:PORT (no certificate
// check) with the header x-node-token: HEADER-VALUE; the body goes to OUT,
// "status STATUS LENGTH" to standard output.
'use strict';
const fs = require('fs'), http2 = require('http2');
const [port, path, token, out] = process.argv.slice(2);
const c = http2.connect(`https://127.0.0.1:${port}`, { rejectUnauthorized: false });
c.on('error', (e) => { console.error(e); process.exit(1); });
const req = c.request({ ':method': 'GET', ':path': path, 'x-node-token': token });
const chunks = [];
let status;
req.on('response', (h) => { status = h[':status']; });
req.on('data', (d) => chunks.push(d));
req.on('end', () => {
	const body = Buffer.concat(chunks);
	fs.writeFileSync(out, body);
	console.log(`status ${status} ${body.length}`);
	c.close();
});
req.on('error', (e) => { console.error(e); process.exit(1); });
req.end();
