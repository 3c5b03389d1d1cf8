// A small, strict XML parser for the documents a GeoReport v2 server sends:
// elements, attributes, text, character and entity references, CDATA,
// comments, processing instructions and the XML declaration. No DTDs (a
// server has no reason to send one, and refusing them is safer). Written for
// this client from the XML 1.0 grammar; it depends on nothing.

const NAME = /^[A-Za-z_:][-A-Za-z0-9_:.]*/;
const ENTITIES = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

// XMLError is thrown on any input that is not well-formed.
export class XMLError extends Error {}

// decode replaces the five predefined entities and numeric character
// references in s.
function decode(s, at) {
  return s.replace(/&([^;&<\s]*);?/g, (m, ref) => {
    if (!m.endsWith(';')) throw new XMLError(`unterminated reference near offset ${at}`);
    if (ref.startsWith('#x')) return String.fromCodePoint(parseInt(ref.slice(2), 16));
    if (ref.startsWith('#')) return String.fromCodePoint(parseInt(ref.slice(1), 10));
    if (!(ref in ENTITIES)) throw new XMLError(`unknown entity &${ref}; near offset ${at}`);
    return ENTITIES[ref];
  });
}

// parse returns the root element of doc as {name, attrs, children, text}:
// children are the child elements in order, text the concatenated
// character data directly inside the element. declaration is the parsed
// XML declaration ({version, encoding}) or null.
export function parse(doc) {
  let i = 0;
  let declaration = null;
  const stack = [];
  let root = null;
  if (doc.charCodeAt(0) === 0xfeff) i = 1;

  const fail = (msg) => { throw new XMLError(`${msg} at offset ${i}`); };
  const skipSpace = () => { while (i < doc.length && /\s/.test(doc[i])) i++; };

  while (i < doc.length) {
    if (doc.startsWith('<?', i)) {
      const end = doc.indexOf('?>', i);
      if (end < 0) fail('unterminated processing instruction');
      const body = doc.slice(i + 2, end);
      if (body.startsWith('xml ') || body === 'xml') {
        if (i > 1 || root || stack.length) fail('XML declaration not at the start');
        declaration = {};
        for (const m of body.matchAll(/(\w+)\s*=\s*("([^"]*)"|'([^']*)')/g)) declaration[m[1]] = m[3] ?? m[4];
      }
      i = end + 2;
    } else if (doc.startsWith('<!--', i)) {
      const end = doc.indexOf('-->', i);
      if (end < 0) fail('unterminated comment');
      i = end + 3;
    } else if (doc.startsWith('<![CDATA[', i)) {
      if (!stack.length) fail('CDATA outside the root element');
      const end = doc.indexOf(']]>', i);
      if (end < 0) fail('unterminated CDATA section');
      stack.at(-1).text += doc.slice(i + 9, end);
      i = end + 3;
    } else if (doc.startsWith('<!', i)) {
      fail('DTDs and declarations are not accepted');
    } else if (doc.startsWith('</', i)) {
      i += 2;
      const m = NAME.exec(doc.slice(i));
      if (!m) fail('bad end tag');
      i += m[0].length;
      skipSpace();
      if (doc[i] !== '>') fail('bad end tag');
      i++;
      const open = stack.pop();
      if (!open || open.name !== m[0]) fail(`end tag </${m[0]}> does not match <${open ? open.name : ''}>`);
      if (!stack.length) root = open;
    } else if (doc[i] === '<') {
      i++;
      const m = NAME.exec(doc.slice(i));
      if (!m) fail('bad start tag');
      i += m[0].length;
      const el = { name: m[0], attrs: {}, children: [], text: '' };
      for (;;) {
        const before = i;
        skipSpace();
        if (doc[i] === '>' || doc.startsWith('/>', i)) break;
        if (i === before) fail('attributes must be separated by space');
        const a = NAME.exec(doc.slice(i));
        if (!a) fail('bad attribute name');
        i += a[0].length;
        skipSpace();
        if (doc[i] !== '=') fail('attribute without value');
        i++;
        skipSpace();
        const q = doc[i];
        if (q !== '"' && q !== "'") fail('unquoted attribute value');
        const end = doc.indexOf(q, i + 1);
        if (end < 0) fail('unterminated attribute value');
        if (a[0] in el.attrs) fail(`duplicate attribute ${a[0]}`);
        el.attrs[a[0]] = decode(doc.slice(i + 1, end), i);
        i = end + 1;
      }
      if (root) fail('content after the root element');
      if (stack.length) stack.at(-1).children.push(el);
      if (doc.startsWith('/>', i)) {
        i += 2;
        if (!stack.length) root = el;
      } else {
        i++;
        stack.push(el);
      }
    } else {
      const end = doc.indexOf('<', i);
      const chunk = doc.slice(i, end < 0 ? doc.length : end);
      if (stack.length) {
        stack.at(-1).text += decode(chunk, i);
      } else if (chunk.trim() !== '') {
        fail('text outside the root element');
      }
      i = end < 0 ? doc.length : end;
    }
  }
  if (stack.length) throw new XMLError(`unclosed element <${stack.at(-1).name}>`);
  if (!root) throw new XMLError('no root element');
  root.declaration = declaration;
  return root;
}

// children returns the child elements of el called name.
export function children(el, name) {
  return el.children.filter((c) => c.name === name);
}

// child returns the only child element of el called name, or undefined.
export function child(el, name) {
  const cs = children(el, name);
  if (cs.length > 1) throw new XMLError(`<${el.name}> has ${cs.length} <${name}> elements, expected at most one`);
  return cs[0];
}

// text returns the character data of el's child called name, or undefined
// when there is no such child.
export function text(el, name) {
  const c = child(el, name);
  return c === undefined ? undefined : c.text;
}
