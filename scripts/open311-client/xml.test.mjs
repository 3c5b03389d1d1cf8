// Tests of the client's XML parser: node --test scripts/open311-client/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse, children, child, text, XMLError } from './xml.mjs';

test('elements, attributes, text, references, CDATA and the declaration', () => {
  const doc = parse('\ufeff<?xml version="1.0" encoding="UTF-8"?>\n<!-- c --><a x="1" y=\'&lt;2&gt;\'>' +
    '<b>中&amp;&#x4e2d;&#20013;</b><b/><c><![CDATA[<not a tag>]]></c></a>\n');
  assert.equal(doc.name, 'a');
  assert.deepEqual(doc.attrs, { x: '1', y: '<2>' });
  assert.deepEqual(doc.declaration, { version: '1.0', encoding: 'UTF-8' });
  assert.equal(children(doc, 'b').length, 2);
  assert.equal(children(doc, 'b')[0].text, '中&中中');
  assert.equal(text(doc, 'c'), '<not a tag>');
  assert.equal(text(doc, 'missing'), undefined);
  assert.throws(() => child(doc, 'b'), XMLError);
});

test('refuses what is not well-formed', () => {
  for (const bad of ['', '<a>', '<a></b>', '<a><b></a></b>', '<a x=1/>', '<a x="1" x="2"/>', '<a/><b/>',
    'text<a/>', '<a>&nope;</a>', '<a>&amp</a>', '<!DOCTYPE a><a/>', '<a><?xml version="1.0"?></a>', '<a><![CDATA[x</a>']) {
    assert.throws(() => parse(bad), XMLError, JSON.stringify(bad));
  }
});
