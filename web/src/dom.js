// Small DOM helpers: elements from data (never from HTML strings, so nothing the API returns is
// ever parsed as markup), forms with field errors, confirmation dialogs, notices and dates.

/** @typedef {string | number | Node | null | undefined | false} Child */
/** @typedef {Record<string, string | number | boolean | null | undefined | EventListener>} Attrs */

/**
 * An element: `h('a', {href: '#/'}, 'Hub')`. Attributes named `on…` are listeners; `true` sets a
 * boolean attribute, `false`/`null`/`undefined` leaves it out.
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Attrs} [attrs]
 * @param {...(Child | Child[])} children
 * @returns {HTMLElementTagNameMap[K]}
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') {
      el.addEventListener(name.slice(2), value);
    } else if (value === true) {
      el.setAttribute(name, '');
    } else {
      el.setAttribute(name, String(value));
    }
  }
  append(el, children);
  return el;
}

/**
 * @param {Element} el
 * @param {(Child | Child[])[]} children
 */
export function append(el, children) {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
}

/** Announces a message to screen readers (and tests) through the polite live region. */
/** @param {string} message */
export function announce(message) {
  const status = document.getElementById('status');
  if (status) status.textContent = message;
}

let uid = 0;
/** A unique id for label/field pairs. @param {string} prefix */
export function newId(prefix) {
  uid += 1;
  return `${prefix}-${uid}`;
}

/**
 * A titled form: a panel (or a subpanel, inside another panel) named by its heading (h2, h3 in a
 * subpanel), its fields in one fieldset whose legend repeats the title for screen readers, and
 * `after` (what the form shows once it is sent) below them.
 * @param {{ titleId: string, title: string, subpanel?: boolean, attrs?: Attrs, fieldset?: Attrs, after?: Child }} spec
 * @param {...(Child | Child[])} fields the fieldset's content
 * @returns {HTMLFormElement}
 */
export function formPanel({ titleId, title, subpanel = false, attrs = {}, fieldset = {}, after }, ...fields) {
  return h('form', { class: subpanel ? 'subpanel' : 'panel', 'aria-labelledby': titleId, novalidate: true, ...attrs },
    h(subpanel ? 'h3' : 'h2', { id: titleId }, title),
    h('fieldset', fieldset,
      h('legend', { class: 'visually-hidden' }, title),
      ...fields),
    after);
}

/**
 * A labelled field: the label, the control, an optional hint and the place of its error.
 * @param {string} label
 * @param {HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement} control with a `name`
 * @param {string} [hint]
 */
export function field(label, control, hint) {
  if (!control.id) control.id = newId(`f-${control.name}`);
  const errorId = `${control.id}-error`;
  const hintId = hint ? `${control.id}-hint` : null;
  if (hintId) control.setAttribute('aria-describedby', hintId);
  const isCheck = control instanceof HTMLInputElement && control.type === 'checkbox';
  return h(
    'div',
    { class: isCheck ? 'field check' : 'field', 'data-field': control.name },
    isCheck ? [control, h('label', { for: control.id }, label)] : [h('label', { for: control.id }, label), control],
    hint ? h('p', { class: 'hint', id: hintId }, hint) : null,
    h('p', { class: 'field-error', id: errorId, hidden: true }),
  );
}

/**
 * @param {string} name
 * @param {string | null | undefined} value
 * @param {Attrs} [attrs]
 */
export function input(name, value, attrs = {}) {
  const el = h('input', { name, type: 'text', ...attrs });
  el.value = value ?? '';
  return el;
}

/**
 * @param {string} name
 * @param {boolean} checked
 * @param {Attrs} [attrs]
 */
export function checkbox(name, checked, attrs = {}) {
  const el = h('input', { name, type: 'checkbox', ...attrs });
  el.checked = checked;
  return el;
}

/**
 * @param {string} name
 * @param {Array<[string, string]>} options value, label
 * @param {string | null | undefined} value
 * @param {Attrs} [attrs]
 */
export function select(name, options, value, attrs = {}) {
  const el = h('select', { name, ...attrs }, options.map(([v, label]) => h('option', { value: v }, label)));
  el.value = value ?? '';
  return el;
}

/**
 * Shows a problem on a form: each `errors` entry next to its field (or at the top when no field of
 * that name is there), the message at the top. Clears earlier errors first.
 * @param {HTMLFormElement} form
 * @param {{message: string, errors: Array<{field: string, message: string}>} | null} problem
 */
export function showFormProblem(form, problem) {
  for (const el of form.querySelectorAll('.field-error')) {
    el.textContent = '';
    /** @type {HTMLElement} */ (el).hidden = true;
  }
  for (const el of form.querySelectorAll('[aria-invalid]')) {
    el.removeAttribute('aria-invalid');
    const described = (el.getAttribute('aria-describedby') ?? '').split(' ').filter((id) => !id.endsWith('-error'));
    if (described.length) el.setAttribute('aria-describedby', described.join(' '));
    else el.removeAttribute('aria-describedby');
  }
  let summary = /** @type {HTMLElement | null} */ (form.querySelector(':scope > .form-problem'));
  if (!problem) {
    summary?.remove();
    return;
  }
  if (!summary) {
    summary = h('div', { class: 'form-problem notice error', role: 'alert' });
    // Under the form's heading, above its fields.
    const heading = form.querySelector(':scope > h2, :scope > h3');
    if (heading) heading.after(summary);
    else form.prepend(summary);
  }
  summary.replaceChildren(h('p', {}, problem.message));
  /** @type {HTMLElement | null} */
  let first = null;
  for (const { field: name, message } of problem.errors) {
    const control = /** @type {HTMLElement | null} */ (form.querySelector(`[name="${CSS.escape(name)}"]`));
    const error = control ? form.querySelector(`#${CSS.escape(control.id)}-error`) : null;
    if (control && error) {
      error.textContent = message;
      /** @type {HTMLElement} */ (error).hidden = false;
      control.setAttribute('aria-invalid', 'true');
      const described = (control.getAttribute('aria-describedby') ?? '').split(' ').filter(Boolean);
      control.setAttribute('aria-describedby', [...described, error.id].join(' '));
      first ??= control;
    } else {
      append(summary, [h('p', {}, `${name}: ${message}`)]);
    }
  }
  (first ?? summary).focus?.();
  if (!first) summary.setAttribute('tabindex', '-1'), summary.focus();
}

/**
 * A modal confirmation (native <dialog>: focus is trapped and Escape cancels).
 * @param {string} question
 * @param {string} confirmLabel
 * @returns {Promise<boolean>}
 */
export function confirmDialog(question, confirmLabel) {
  return new Promise((resolve) => {
    const titleId = newId('confirm');
    const dialog = h(
      'dialog',
      { class: 'confirm', 'aria-labelledby': titleId },
      h('p', { id: titleId }, question),
      h(
        'form',
        { method: 'dialog', class: 'actions' },
        h('button', { value: 'cancel', class: 'secondary', autofocus: true }, 'Cancel'),
        h('button', { value: 'confirm', class: 'danger' }, confirmLabel),
      ),
    );
    dialog.addEventListener('close', () => {
      resolve(dialog.returnValue === 'confirm');
      dialog.remove();
    });
    document.body.append(dialog);
    dialog.showModal();
  });
}

/**
 * @param {string} message
 * @param {'error' | 'ok' | 'warn'} kind
 * @param {...Child} extra
 */
export function notice(message, kind, ...extra) {
  return h('div', { class: `notice ${kind}`, role: kind === 'error' ? 'alert' : 'status' }, h('p', {}, message), ...extra);
}

/**
 * A date and time in a time zone, as `2026-11-30 14:05`.
 * @param {string | null | undefined} iso
 * @param {string} timeZone
 */
export function formatDateTime(iso, timeZone) {
  if (!iso) return '—';
  const parts = zoneParts(new Date(iso).getTime(), timeZone);
  return `${parts.year}-${pad(parts.month)}-${pad(parts.day)} ${pad(parts.hour)}:${pad(parts.minute)}`;
}

/** @param {number} n */
const pad = (n) => String(n).padStart(2, '0');

/**
 * The wall-clock fields of an instant in a time zone.
 * @param {number} epochMs
 * @param {string} timeZone
 */
export function zoneParts(epochMs, timeZone) {
  const format = new Intl.DateTimeFormat('en-US', {
    timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
  });
  /** @type {Record<string, number>} */
  const out = {};
  for (const part of format.formatToParts(new Date(epochMs))) {
    if (part.type !== 'literal') out[part.type] = Number(part.value);
  }
  return { year: out.year, month: out.month, day: out.day, hour: out.hour % 24, minute: out.minute, second: out.second };
}

/**
 * `YYYY-MM-DDTHH:mm` (a datetime-local value) for an instant, in a time zone.
 * @param {string | null | undefined} iso
 * @param {string} timeZone
 */
export function toZonedInput(iso, timeZone) {
  if (!iso) return '';
  const p = zoneParts(new Date(iso).getTime(), timeZone);
  return `${p.year}-${pad(p.month)}-${pad(p.day)}T${pad(p.hour)}:${pad(p.minute)}`;
}

/**
 * The instant (RFC 3339 UTC) of a wall-clock time `YYYY-MM-DDTHH:mm` in a time zone. A time in a
 * spring-forward gap does not exist: it is read with the offset before the gap (02:30 becomes
 * 03:30); a time that happens twice (fall back) is its second occurrence, in standard time.
 * @param {string} local
 * @param {string} timeZone
 * @returns {string | null}
 */
export function zonedToUtc(local, timeZone) {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(local);
  if (!m) return null;
  const wall = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5]);
  /** @param {number} instant */
  const offset = (instant) => {
    const p = zoneParts(instant, timeZone);
    return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - instant;
  };
  let instant = wall - offset(wall);
  instant = wall - offset(instant);
  return new Date(instant).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** @type {string | null} */
let pendingFlash = null;
/** A confirmation shown (and announced) at the top of the next rendered view. @param {string} message */
export function flash(message) {
  pendingFlash = message;
  announce(message);
}
/** @returns {string | null} */
export function takeFlash() {
  const message = pendingFlash;
  pendingFlash = null;
  return message;
}
