#!/usr/bin/env node
// An independent Open311 GeoReport v2 client, written from the public
// specification (wiki.open311.org/GeoReport_v2 and its Service Discovery
// page), not from the server's code. It exercises every method in XML and in
// JSON, checks each answer against the spec, and exits non-zero with a clear
// message on the first failed check.
//
//   node client.mjs BASE_URL API_KEY [ADDRESS_ID]
//
// BASE_URL is the server root (the endpoint is BASE_URL/open311/v2); API_KEY
// is an API key allowed to submit requests; ADDRESS_ID, when given, is a
// location id the server accepts for address_id. Node 20 or newer; no
// packages: global fetch and the parser in xml.mjs.

import { parse, children, child, text } from './xml.mjs';

const [base, apiKey, addressId] = process.argv.slice(2);
if (!base || !apiKey) {
  console.error('usage: node client.mjs BASE_URL API_KEY [ADDRESS_ID]');
  process.exit(2);
}
const root = base.replace(/\/+$/, '') + '/open311/v2';

let passed = 0;
let step = '';

class CheckError extends Error {}

// check counts one passed check or stops the run.
function check(ok, what, detail) {
  if (!ok) {
    throw new CheckError(`${step}: ${what}${detail === undefined ? '' : `\n  got: ${typeof detail === 'string' ? detail : JSON.stringify(detail)}`}`);
  }
  passed++;
}

// ISO 8601 as the spec requires it: a date, a time, and Z or an offset.
const ISO8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const DATATYPES = ['string', 'number', 'datetime', 'text', 'singlevaluelist', 'multivaluelist'];

// call sends one HTTP request and returns {status, type, body, doc}: doc is
// the parsed XML root or JSON value, depending on the format asked for.
async function call(method, path, params, format) {
  let url = `${root}/${path}.${format}`;
  const init = { method, headers: {} };
  if (params) {
    const body = new URLSearchParams();
    for (const [k, v] of params) body.append(k, v);
    if (method === 'GET') {
      url += '?' + body.toString();
    } else {
      init.body = body;
      init.headers['Content-Type'] = 'application/x-www-form-urlencoded; charset=utf-8';
    }
  }
  const resp = await fetch(url, init);
  const type = resp.headers.get('content-type') || '';
  const bytes = new Uint8Array(await resp.arrayBuffer());
  let body;
  try {
    body = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    check(false, `${method} ${url}: body is not valid UTF-8`);
  }
  check(/charset=utf-8/i.test(type), `${method} ${url}: Content-Type names charset UTF-8`, type);
  let doc;
  if (format === 'xml') {
    check(/^(text|application)\/xml\b/.test(type), `${method} ${url}: XML content type`, type);
    try {
      doc = parse(body);
    } catch (e) {
      check(false, `${method} ${url}: well-formed XML (${e.message})`, body.slice(0, 300));
    }
    check(doc.declaration && /^utf-8$/i.test(doc.declaration.encoding || ''),
      `${method} ${url}: XML declaration with encoding="UTF-8" before the root element`, body.slice(0, 80));
  } else {
    check(/^application\/json\b/.test(type), `${method} ${url}: JSON content type`, type);
    try {
      doc = JSON.parse(body);
    } catch (e) {
      check(false, `${method} ${url}: valid JSON (${e.message})`, body.slice(0, 300));
    }
  }
  return { status: resp.status, type, body, doc, url };
}

// errorsOf returns the spec's errors list as [{code, description}] from an
// XML or JSON answer, checking its shape.
function errorsOf(r, format) {
  let list;
  if (format === 'xml') {
    check(r.doc.name === 'errors', `${r.url}: root element <errors>`, r.body.slice(0, 200));
    list = children(r.doc, 'error').map((e) => ({ code: Number(text(e, 'code')), description: text(e, 'description') }));
  } else {
    check(Array.isArray(r.doc), `${r.url}: errors as a JSON array`, r.body.slice(0, 200));
    list = r.doc;
  }
  check(list.length > 0, `${r.url}: at least one error`, r.body);
  for (const e of list) {
    check(Number.isInteger(Number(e.code)) && Number(e.code) === r.status,
      `${r.url}: each error's code is the HTTP status ${r.status}`, e);
    check(typeof e.description === 'string' && e.description.trim() !== '', `${r.url}: each error has a description`, e);
  }
  return list;
}

// expectError checks that a call failed with one of the fitting statuses
// and the errors list, in both formats.
async function expectError(what, method, path, params, statuses) {
  for (const format of ['xml', 'json']) {
    step = `${what} (${format})`;
    const r = await call(method, path, params, format);
    check(statuses.includes(r.status), `HTTP status is one of ${statuses.join(', ')}`, `${r.status} ${r.body.slice(0, 200)}`);
    errorsOf(r, format);
  }
}

// bool reads a spec boolean from XML text or JSON.
const bool = (v) => v === true || v === 'true';

// requestFromXML turns a <request> element into the JSON shape, so the two
// formats can be compared field by field.
function requestFromXML(el) {
  const out = {};
  for (const c of el.children) out[c.name] = c.text;
  return out;
}

// same reports whether a JSON value and an XML text say the same thing.
function same(jsonValue, xmlText) {
  if (jsonValue === null || jsonValue === undefined) return xmlText === undefined || xmlText === '';
  return String(jsonValue) === xmlText;
}

async function discovery() {
  step = 'discovery.xml';
  const x = await call('GET', 'discovery', null, 'xml');
  check(x.status === 200, 'HTTP 200', x.status);
  check(x.doc.name === 'discovery', 'root element <discovery>', x.doc.name);
  check(ISO8601.test(text(x.doc, 'changeset') || ''), 'changeset is ISO 8601 with an offset', text(x.doc, 'changeset'));
  const endpoints = children(child(x.doc, 'endpoints') || { children: [] }, 'endpoint');
  const v2 = endpoints.find((e) => text(e, 'specification') === 'http://wiki.open311.org/GeoReport_v2');
  check(v2 !== undefined, 'an endpoint with specification http://wiki.open311.org/GeoReport_v2', x.body);
  check((text(v2, 'url') || '').replace(/\/+$/, '').endsWith('/open311/v2'), 'the endpoint url is the v2 root', text(v2, 'url'));
  check(['production', 'test'].includes(text(v2, 'type')), 'endpoint type production or test', text(v2, 'type'));
  const formats = children(child(v2, 'formats'), 'format').map((f) => f.text);
  check(formats.includes('text/xml') && formats.includes('application/json'), 'formats list text/xml and application/json', formats);

  step = 'discovery.json';
  const j = await call('GET', 'discovery', null, 'json');
  check(j.status === 200, 'HTTP 200', j.status);
  check(ISO8601.test(j.doc.changeset || ''), 'changeset is ISO 8601 with an offset', j.doc.changeset);
  const jv2 = (j.doc.endpoints || []).find((e) => e.specification === 'http://wiki.open311.org/GeoReport_v2');
  check(jv2 && jv2.url === text(v2, 'url'), 'JSON endpoint equals the XML one', jv2);
  check(Array.isArray(jv2.formats) && jv2.formats.includes('text/xml'), 'JSON formats is an array', jv2.formats);
}

async function services() {
  step = 'services.xml';
  const x = await call('GET', 'services', null, 'xml');
  check(x.status === 200, 'HTTP 200', x.status);
  check(x.doc.name === 'services', 'root element <services>', x.doc.name);
  const xs = children(x.doc, 'service');
  check(xs.length > 0, 'at least one service');
  for (const s of xs) {
    check((text(s, 'service_code') || '') !== '', 'each service has a service_code', requestFromXML(s));
    check((text(s, 'service_name') || '') !== '', 'each service has a service_name', requestFromXML(s));
    check(['true', 'false'].includes(text(s, 'metadata')), 'metadata is true or false', text(s, 'metadata'));
    check(['realtime', 'batch', 'blackbox'].includes(text(s, 'type')), 'type is realtime, batch or blackbox', text(s, 'type'));
  }

  step = 'services.json';
  const j = await call('GET', 'services', null, 'json');
  check(j.status === 200 && Array.isArray(j.doc), 'HTTP 200 and an array', j.status);
  check(j.doc.length === xs.length, 'as many services as in XML', `${j.doc.length} vs ${xs.length}`);
  j.doc.forEach((s, n) => {
    const xml = requestFromXML(xs[n]);
    for (const f of ['service_code', 'service_name', 'description', 'type', 'keywords', 'group']) {
      check(same(s[f], xml[f]), `service ${n} ${f} equal in JSON and XML`, [s[f], xml[f]]);
    }
    check(typeof s.metadata === 'boolean' && String(s.metadata) === xml.metadata, 'metadata is a JSON boolean equal to XML', s.metadata);
  });
  check(j.doc.some((s) => /[\u4e00-\u9fff]/.test(s.service_name)), 'Chinese service names arrive as UTF-8 text');
  return j.doc;
}

// definition fetches a service definition in both formats and returns the
// JSON one after comparing it with the XML one.
async function definition(code) {
  step = `services/${code}.xml`;
  const x = await call('GET', `services/${encodeURIComponent(code)}`, null, 'xml');
  check(x.status === 200, 'HTTP 200', x.status);
  check(x.doc.name === 'service_definition', 'root element <service_definition>', x.doc.name);
  check(text(x.doc, 'service_code') === code, 'service_code echoes the code', text(x.doc, 'service_code'));
  const xattrs = children(child(x.doc, 'attributes') || { children: [] }, 'attribute');

  step = `services/${code}.json`;
  const j = await call('GET', `services/${encodeURIComponent(code)}`, null, 'json');
  check(j.status === 200, 'HTTP 200', j.status);
  check(j.doc.service_code === code, 'service_code echoes the code', j.doc.service_code);
  const attrs = j.doc.attributes;
  check(Array.isArray(attrs) && attrs.length === xattrs.length, 'as many attributes as in XML', attrs);
  let lastOrder = -Infinity;
  attrs.forEach((a, n) => {
    const xa = xattrs[n];
    check(typeof a.variable === 'boolean' && String(a.variable) === text(xa, 'variable'), 'variable is a boolean, equal in XML', a);
    check(typeof a.code === 'string' && a.code !== '' && a.code === text(xa, 'code'), 'code equal in XML', a);
    check(DATATYPES.includes(a.datatype) && a.datatype === text(xa, 'datatype'), 'datatype is one of the six, equal in XML', a);
    check(typeof a.required === 'boolean' && String(a.required) === text(xa, 'required'), 'required is a boolean, equal in XML', a);
    check(Number.isInteger(a.order) && String(a.order) === text(xa, 'order'), 'order is an integer, equal in XML', a);
    check(a.order >= lastOrder, 'attributes in order', a.order);
    lastOrder = a.order;
    check(typeof a.description === 'string' && a.description === text(xa, 'description'), 'description equal in XML', a);
    if (a.datatype.endsWith('valuelist')) {
      const xv = children(child(xa, 'values'), 'value');
      check(Array.isArray(a.values) && a.values.length > 0 && a.values.length === xv.length, 'a list attribute has values', a);
      a.values.forEach((v, k) => {
        check(String(v.key) === text(xv[k], 'key') && v.name === text(xv[k], 'name'), 'value key and name equal in XML', v);
      });
    }
  });
  return attrs;
}

// valueFor makes a valid value for an attribute.
function valueFor(a) {
  switch (a.datatype) {
    case 'number': return ['3'];
    case 'datetime': return ['2026-11-29T09:30:00+08:00'];
    case 'singlevaluelist': return [String(a.values[0].key)];
    case 'multivaluelist': return a.values.slice(0, 2).map((v) => String(v.key));
    case 'text': return ['第一行说明\n第二行：需要上门'];
    default:
      // A string the server describes as a phone number (its
      // datatype_description, as a person filling the form would read it).
      if (/电话|phone/i.test(a.datatype_description || '')) return ['13957200001'];
      return ['张三丰'];
  }
}

// attributeParams encodes values as the spec says: attribute[CODE]=v, and
// attribute[CODE][]=v once per value for a multivaluelist.
function attributeParams(attrs, skip, override) {
  const out = [];
  for (const a of attrs) {
    if (!a.variable || a.code === skip) continue;
    const vs = override && override.code === a.code ? override.values : valueFor(a);
    for (const v of vs) out.push([a.datatype === 'multivaluelist' ? `attribute[${a.code}][]` : `attribute[${a.code}]`, v]);
  }
  return out;
}

const DESCRIPTION = '楼道灯坏了，老人晚上看不清 <台阶> & "扶手"';

// submit posts a request and returns {id, token, notice}.
async function submit(format, code, attrs, location) {
  step = `POST requests.${format} (${location.map((p) => p[0]).join(', ')})`;
  const params = [['api_key', apiKey], ['service_code', code], ...location, ['description', DESCRIPTION],
    ['first_name', '桂英'], ['last_name', '王'], ['phone', '13957200000'], ...attributeParams(attrs)];
  const r = await call('POST', 'requests', params, format);
  check(r.status === 200 || r.status === 201, 'HTTP 200 or 201', `${r.status} ${r.body.slice(0, 400)}`);
  let item;
  if (format === 'xml') {
    check(r.doc.name === 'service_requests', 'root element <service_requests>', r.doc.name);
    const reqs = children(r.doc, 'request');
    check(reqs.length === 1, 'exactly one <request>', reqs.length);
    item = requestFromXML(reqs[0]);
  } else {
    check(Array.isArray(r.doc) && r.doc.length === 1, 'an array of one request', r.doc);
    item = r.doc[0];
  }
  check(item.service_request_id || item.token, 'a service_request_id or a token', item);
  return { id: item.service_request_id ? String(item.service_request_id) : undefined, token: item.token, notice: item.service_notice };
}

// resolve turns a token into a service_request_id through tokens/{token}.
async function resolve(token) {
  step = `tokens/{token}.xml`;
  const x = await call('GET', `tokens/${encodeURIComponent(token)}`, null, 'xml');
  check(x.status === 200 && x.doc.name === 'service_requests', 'HTTP 200 and <service_requests>', x.body.slice(0, 300));
  const reqs = children(x.doc, 'request');
  check(reqs.length === 1 && text(reqs[0], 'token') === token, 'one request echoing the token', x.body.slice(0, 300));
  step = `tokens/{token}.json`;
  const j = await call('GET', `tokens/${encodeURIComponent(token)}`, null, 'json');
  check(j.status === 200 && Array.isArray(j.doc) && j.doc.length === 1, 'HTTP 200 and an array of one', j.body.slice(0, 300));
  check(String(j.doc[0].service_request_id) === text(reqs[0], 'service_request_id'), 'same service_request_id as XML', j.doc[0]);
  return text(reqs[0], 'service_request_id');
}

// fetchRequest reads one request in both formats, compares them and returns
// the JSON one.
async function fetchRequest(id) {
  step = `requests/${id}.xml`;
  const x = await call('GET', `requests/${encodeURIComponent(id)}`, [['api_key', apiKey]], 'xml');
  check(x.status === 200 && x.doc.name === 'service_requests', 'HTTP 200 and <service_requests>', x.body.slice(0, 300));
  const reqs = children(x.doc, 'request');
  check(reqs.length === 1, 'exactly one <request>', reqs.length);
  const xr = requestFromXML(reqs[0]);
  step = `requests/${id}.json`;
  const j = await call('GET', `requests/${encodeURIComponent(id)}`, [['api_key', apiKey]], 'json');
  check(j.status === 200 && Array.isArray(j.doc) && j.doc.length === 1, 'HTTP 200 and an array of one', j.body.slice(0, 300));
  const jr = j.doc[0];
  for (const f of ['service_request_id', 'status', 'status_notes', 'service_name', 'service_code', 'description',
    'agency_responsible', 'service_notice', 'requested_datetime', 'updated_datetime', 'expected_datetime',
    'address', 'address_id', 'zipcode', 'media_url']) {
    check(same(jr[f], xr[f]), `${f} equal in JSON and XML`, [jr[f], xr[f]]);
  }
  for (const f of ['lat', 'long']) {
    check((jr[f] === null || jr[f] === undefined) ? !xr[f] : Math.abs(Number(jr[f]) - Number(xr[f])) < 1e-9, `${f} equal in JSON and XML`, [jr[f], xr[f]]);
  }
  checkRequest(jr);
  return jr;
}

// checkRequest checks the fields every request must have per the spec.
function checkRequest(r) {
  check(r.service_request_id !== undefined && String(r.service_request_id) !== '', 'a service_request_id', r);
  check(r.status === 'open' || r.status === 'closed', 'status is open or closed', r.status);
  check(ISO8601.test(r.requested_datetime || ''), 'requested_datetime is ISO 8601 with an offset', r.requested_datetime);
  for (const f of ['updated_datetime', 'expected_datetime']) {
    check(r[f] === null || r[f] === undefined || r[f] === '' || ISO8601.test(r[f]), `${f} is ISO 8601 with an offset`, r[f]);
  }
  check(typeof r.service_code === 'string' && r.service_code !== '', 'a service_code', r);
}

// list runs GET requests with params in both formats and returns the JSON
// list, after checking it equals the XML one.
async function list(what, params) {
  const all = [['api_key', apiKey], ...params];
  step = `GET requests.xml ${what}`;
  const x = await call('GET', 'requests', all, 'xml');
  check(x.status === 200 && x.doc.name === 'service_requests', 'HTTP 200 and <service_requests>', x.body.slice(0, 300));
  const xs = children(x.doc, 'request').map(requestFromXML);
  step = `GET requests.json ${what}`;
  const j = await call('GET', 'requests', all, 'json');
  check(j.status === 200 && Array.isArray(j.doc), 'HTTP 200 and an array', j.body.slice(0, 300));
  check(j.doc.length === xs.length, 'as many requests as in XML', `${j.doc.length} vs ${xs.length}`);
  check(j.doc.length <= 1000, 'at most 1000 requests', j.doc.length);
  j.doc.forEach((r, n) => {
    check(String(r.service_request_id) === xs[n].service_request_id && r.status === xs[n].status, 'same requests in JSON and XML', [r, xs[n]]);
    checkRequest(r);
  });
  return j.doc;
}

const ids = (rs) => rs.map((r) => String(r.service_request_id));
const iso = (ms) => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');

async function main() {
  await discovery();
  const svcs = await services();
  const withForm = svcs.find((s) => s.metadata);
  check(withForm !== undefined, 'some service has metadata (a form of attributes)');
  const attrs = await definition(withForm.service_code);
  check(attrs.some((a) => a.required), `service ${withForm.service_code} has a required attribute`, attrs);

  // Submit in both formats and with each kind of location.
  const started = Date.now();
  const a = await submit('json', withForm.service_code, attrs, [['lat', '30.638111'], ['long', '119.680222']]);
  const b = await submit('xml', withForm.service_code, attrs, [['address_string', '递铺街道胜利西路1号 3单元']]);
  const made = [a, b];
  if (addressId) made.push(await submit('json', withForm.service_code, attrs, [['address_id', addressId]]));

  for (const m of made) {
    if (m.token) {
      const id = await resolve(m.token);
      check(m.id === undefined || m.id === id, 'the token resolves to the same service_request_id', [m.id, id]);
      m.id = id;
    }
  }
  const ra = await fetchRequest(a.id);
  step = `request ${a.id}`;
  check(ra.description === DESCRIPTION, 'Chinese text with markup characters round-trips', ra.description);
  check(ra.service_code === withForm.service_code && ra.service_name === withForm.service_name, 'service code and name', ra);
  check(ra.status === 'open', 'a new request is open', ra.status);
  check(typeof ra.status_notes === 'string' && ra.status_notes.trim() !== '', 'status_notes gives the detailed state', ra.status_notes);
  check(Math.abs(Number(ra.lat) - 30.638111) < 1e-6 && Math.abs(Number(ra.long) - 119.680222) < 1e-6, 'lat/long as posted', [ra.lat, ra.long]);
  const requested = Date.parse(ra.requested_datetime);
  check(Math.abs(requested - started) < 5 * 60_000, 'requested_datetime is now (offset applied correctly)', ra.requested_datetime);
  const rb = await fetchRequest(b.id);
  step = `request ${b.id}`;
  check(rb.address === '递铺街道胜利西路1号 3单元', 'address_string round-trips as address', rb.address);
  if (addressId) {
    const rc = await fetchRequest(made[2].id);
    step = `request ${made[2].id}`;
    check(String(rc.address_id) === addressId, 'address_id round-trips', rc.address_id);
  }

  // Queries and their filters.
  let rs = await list('(default window)', []);
  check(ids(rs).includes(a.id) && ids(rs).includes(b.id), 'the default window holds the new requests', ids(rs));
  rs = await list('service_request_id=a,b', [['service_request_id', `${a.id},${b.id}`]]);
  check(rs.length === 2 && ids(rs).includes(a.id) && ids(rs).includes(b.id), 'exactly the two requests asked for', ids(rs));
  rs = await list('service_code', [['service_code', withForm.service_code]]);
  check(rs.length >= 2 && rs.every((r) => r.service_code === withForm.service_code), 'only that service', rs.map((r) => r.service_code));
  const other = svcs.find((s) => s.service_code !== withForm.service_code);
  if (other) {
    rs = await list('other service_code', [['service_code', other.service_code]]);
    check(!ids(rs).includes(a.id), 'another service code leaves the request out', ids(rs));
  }
  rs = await list('status=open', [['status', 'open']]);
  check(ids(rs).includes(a.id) && rs.every((r) => r.status === 'open'), 'status=open holds it and only open ones', ids(rs));
  rs = await list('status=closed', [['status', 'closed']]);
  check(!ids(rs).includes(a.id) && rs.every((r) => r.status === 'closed'), 'status=closed leaves it out', ids(rs));
  rs = await list('start/end around now', [['start_date', iso(requested - 3_600_000)], ['end_date', iso(Date.now() + 3_600_000)]]);
  check(ids(rs).includes(a.id), 'a window around now holds it', ids(rs));
  rs = await list('start_date tomorrow', [['start_date', iso(Date.now() + 86_400_000)]]);
  check(!ids(rs).includes(a.id), 'start_date after it leaves it out', ids(rs));
  rs = await list('end_date yesterday with offset', [['start_date', '2026-01-01T00:00:00+08:00'], ['end_date', iso(requested - 86_400_000).replace('Z', '+00:00')]]);
  check(!ids(rs).includes(a.id), 'end_date before it leaves it out', ids(rs));

  // Errors: the spec's errors list with a fitting HTTP status.
  const loc = [['lat', '30.6'], ['long', '119.6']];
  const good = [['service_code', withForm.service_code], ...loc, ['description', '测试'], ...attributeParams(attrs)];
  await expectError('POST without api_key', 'POST', 'requests', good, [400, 401, 403]);
  await expectError('POST with a wrong api_key', 'POST', 'requests', [['api_key', 'not-a-key'], ...good], [401, 403]);
  await expectError('POST without service_code', 'POST', 'requests', [['api_key', apiKey], ...loc, ...attributeParams(attrs)], [400]);
  await expectError('POST with an unknown service_code', 'POST', 'requests',
    [['api_key', apiKey], ['service_code', 'NO-SUCH-SERVICE'], ...loc], [400, 404]);
  await expectError('POST without any location', 'POST', 'requests',
    [['api_key', apiKey], ['service_code', withForm.service_code], ['description', '测试'], ...attributeParams(attrs)], [400]);
  const req = attrs.find((x) => x.required && x.variable);
  await expectError(`POST without required attribute ${req.code}`, 'POST', 'requests',
    [['api_key', apiKey], ['service_code', withForm.service_code], ...loc, ...attributeParams(attrs, req.code)], [400]);
  const num = attrs.find((x) => x.variable && x.datatype === 'number');
  if (num) {
    await expectError(`POST with a non-number for ${num.code}`, 'POST', 'requests',
      [['api_key', apiKey], ['service_code', withForm.service_code], ...loc, ...attributeParams(attrs, null, { code: num.code, values: ['三'] })], [400]);
  }
  const choice = attrs.find((x) => x.variable && x.datatype === 'singlevaluelist');
  if (choice) {
    await expectError(`POST with an unknown value for ${choice.code}`, 'POST', 'requests',
      [['api_key', apiKey], ['service_code', withForm.service_code], ...loc, ...attributeParams(attrs, null, { code: choice.code, values: ['no-such-key'] })], [400]);
  }
  await expectError('POST with an undeclared attribute', 'POST', 'requests',
    [...good.map((p) => p), ['api_key', apiKey], ['attribute[NO_SUCH_ATTRIBUTE]', 'x']], [400]);
  await expectError('a service definition that does not exist', 'GET', 'services/NO-SUCH-SERVICE', null, [404]);
  await expectError('a request that does not exist', 'GET', 'requests/no-such-request', [['api_key', apiKey]], [404]);
  await expectError('a token that does not exist', 'GET', 'tokens/no-such-token', null, [404]);
  await expectError('an unknown status filter', 'GET', 'requests', [['api_key', apiKey], ['status', 'pending']], [400]);
  await expectError('a start_date without an offset', 'GET', 'requests', [['api_key', apiKey], ['start_date', '2026-11-01T00:00:00']], [400]);

  // The failed posts wrote nothing: the service's list is as before.
  rs = await list('service_code after the errors', [['service_code', withForm.service_code]]);
  check(rs.length >= made.length, 'listing still works after the errors', rs.length);
  const ours = rs.filter((r) => r.description === '测试');
  check(ours.length === 0, 'no refused request was stored', ids(ours));

  console.log(`open311-client: ${passed} checks passed against ${root}`);
}

main().catch((e) => {
  if (e instanceof CheckError) {
    console.error(`open311-client: FAILED after ${passed} passed checks\n${e.message}`);
  } else {
    console.error(`open311-client: ERROR in ${step || 'setup'} after ${passed} passed checks: ${e.stack || e}`);
  }
  process.exit(1);
});
