// Builds DOM nodes without ever parsing HTML: text from the API becomes text nodes (the browser
// escapes it), attributes are set one by one. Nothing in the dashboard uses innerHTML,
// outerHTML, insertAdjacentHTML or document.write (lib.test.mjs checks the sources).

// h('td', {class: 'num', title: t}, 'text', child, [more], null) -> <td>.
// - props: "class", "for", "text" (textContent), "on<event>" (a listener), "dataset" (an
//   object), "hidden"/"disabled"/... booleans (set when true), anything else an attribute.
// - children: strings and numbers become text nodes; null, undefined and false are skipped;
//   arrays are flattened.
export function h(tag, props = {}, ...children) {
  const doc = h.document ?? globalThis.document;
  const node = doc.createElement(tag);
  for (const [name, value] of Object.entries(props ?? {})) {
    if (value == null || value === false) continue;
    if (name === 'text') node.textContent = String(value);
    else if (name === 'dataset') Object.assign(node.dataset, value);
    else if (name.startsWith('on') && typeof value === 'function') node.addEventListener(name.slice(2), value);
    else if (name === 'class') node.setAttribute('class', String(value));
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  append(node, children);
  return node;
}

// Appends children (see h) to node; returns node.
export function append(node, ...children) {
  const doc = h.document ?? globalThis.document;
  for (const child of [children].flat(Infinity)) {
    if (child == null || child === false) continue;
    node.appendChild(typeof child === 'object' ? child : doc.createTextNode(String(child)));
  }
  return node;
}

// Replaces node's children.
export function replaceChildren(node, ...children) {
  node.replaceChildren();
  return append(node, ...children);
}

// Sets node's text only when it changed (keeps selection and screen readers quiet).
export function setText(node, text) {
  const value = String(text ?? '');
  if (node.textContent !== value) node.textContent = value;
}
