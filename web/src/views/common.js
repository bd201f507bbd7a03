// What several views share: the permission names, paging, pick-lists, and how a refused change
// is shown.

import { ApiProblem, call, forgetIdempotencyKey } from '../api.js';
import { h, notice, showFormProblem, announce, confirmDialog, flash } from '../dom.js';

/** The system-wide permissions, in the contract's order. */
export const PERMISSIONS = /** @type {const} */ ([
  'AccountAccess', 'Administrator', 'FinancialOperator', 'TechnicalContact', 'AllowInfra',
  'ShareDashboards', 'CreateAlertDefinition', 'CreateIntegration', 'CreatePrivateLocations', 'ManageMonitorTemplates',
]);

export const CULTURES = /** @type {Array<[string, string]>} */ ([
  ['', 'Account default'], ['en-US', 'English (US)'], ['en-GB', 'English (UK)'], ['fr-FR', 'Français'], ['de-DE', 'Deutsch'], ['nl-NL', 'Nederlands'],
]);

/** IANA time zones the browser knows (for a datalist). */
export function timeZoneList() {
  const id = 'time-zones';
  const zones = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : ['UTC'];
  return h('datalist', { id }, ['UTC', ...zones.filter((z) => z !== 'UTC')].map((z) => h('option', { value: z })));
}

/**
 * The links to the next page and back to the first, keeping the other query parameters.
 * @param {string} base e.g. `#/operators`
 * @param {URLSearchParams} params
 * @param {string | null | undefined} nextCursor
 */
export function pager(base, params, nextCursor) {
  const first = new URLSearchParams(params);
  first.delete('cursor');
  const links = [];
  if (params.get('cursor')) links.push(h('a', { href: withQuery(base, first) }, '← First page'));
  if (nextCursor) {
    const next = new URLSearchParams(params);
    next.set('cursor', nextCursor);
    links.push(h('a', { href: withQuery(base, next), rel: 'next' }, 'Next page →'));
  }
  return links.length ? h('nav', { class: 'pager', 'aria-label': 'Pages' }, links) : null;
}

/** @param {string} base @param {URLSearchParams} params */
export function withQuery(base, params) {
  const q = params.toString();
  return q ? `${base}?${q}` : base;
}

/**
 * A pick-list of operators that scales to any account: a search box (`q`, as in the operator
 * list) and a select of the first 25 matches, fetched again as the search changes. Only the
 * select is submitted (its `name`); `leading` options come first, `groups` as a second option
 * group (then operators' values are `operator:<id>` and groups' `group:<id>`).
 * @param {{id: string, label: string, name: string, leading?: Array<[string, string]>, groups?: Array<[string, string]>, selected?: string}} options
 */
export function operatorPicker({ id, label, name, leading = [], groups, selected }) {
  const prefix = groups ? 'operator:' : '';
  const search = h('input', { type: 'search', id: `${id}-q`, 'aria-controls': id, placeholder: 'Search by name or email', autocomplete: 'off' });
  const list = h('select', { name, id });
  // Announced only once the person searches (not for the first list, when the view opens).
  const status = h('span', { class: 'muted' });
  let wanted = selected ?? '';
  let seq = 0;
  const load = async () => {
    const mine = ++seq;
    const q = search.value.trim();
    const { data } = await call('get', '/operators', { query: { q: q || undefined, limit: 25 } });
    if (mine !== seq) return;
    const keep = list.value || wanted;
    const taken = new Set(leading.map(([value]) => value));
    const people = data.items
      .filter((o) => !taken.has(`${prefix}${o.operatorId}`))
      .map((o) => h('option', { value: `${prefix}${o.operatorId}` }, `${o.fullName} (${o.email})`));
    list.replaceChildren(
      ...leading.map(([value, text]) => h('option', { value }, text)),
      ...(groups ? [h('optgroup', { label: 'Operators' }, people), h('optgroup', { label: 'Groups' }, groups.map(([value, text]) => h('option', { value: `group:${value}` }, text)))] : people),
    );
    if ([...list.options].some((o) => o.value === keep)) list.value = keep;
    wanted = '';
    const n = data.items.length;
    status.textContent = data.nextCursor ? 'The first 25 matching operators: search to narrow.' : `${n} matching operator${n === 1 ? '' : 's'}.`;
  };
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;
  search.addEventListener('input', () => {
    status.setAttribute('role', 'status');
    clearTimeout(timer);
    timer = setTimeout(() => void load(), 250);
  });
  // Enter in the search box searches; it does not submit the form around it.
  search.addEventListener('keydown', (event) => {
    if (event.key === 'Enter') {
      event.preventDefault();
      clearTimeout(timer);
      void load();
    }
  });
  void load();
  return h('div', { class: 'picker' },
    h('label', { for: id }, label),
    h('div', { class: 'picker-row' },
      h('label', { for: search.id, class: 'visually-hidden' }, `Search operators for: ${label}`),
      search,
      list),
    status);
}

/** Every group, for pick-lists (in pages of 100: accounts have few groups). */
export async function allGroups() {
  /** @type {import('../../types/client').Schemas['GroupView'][]} */
  const out = [];
  /** @type {string | undefined} */
  let cursor;
  do {
    const { data } = await call('get', '/groups', { query: { limit: 100, cursor } });
    out.push(...data.items);
    cursor = data.nextCursor ?? undefined;
  } while (cursor);
  return out;
}

/**
 * A refusal as a readable notice; a stale version (412) offers to reload.
 * @param {unknown} e
 * @param {() => void} reload
 */
export function refusal(e, reload) {
  if (e instanceof ApiProblem && e.status === 412) {
    return notice(e.message, 'error', h('button', { type: 'button', onclick: reload }, 'Reload'));
  }
  return notice(e instanceof Error ? e.message : String(e), 'error');
}

/**
 * Wires a form: on submit, runs `action` with its controls disabled; a refusal is shown on the
 * form (field errors next to their fields), with a Reload button for a stale version.
 * @param {HTMLFormElement} form
 * @param {(data: FormData) => Promise<void>} action given the form's values
 * @param {() => void} [reload]
 */
export function onSubmit(form, action, reload) {
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    // Read before the fieldset is disabled (disabled controls are not form data).
    const data = new FormData(form);
    const fieldset = form.querySelector('fieldset');
    if (fieldset) fieldset.disabled = true;
    form.setAttribute('aria-busy', 'true');
    try {
      await action(data);
      forgetIdempotencyKey(form);
      showFormProblem(form, null);
    } catch (e) {
      if (!(e instanceof ApiProblem) || e.status !== 401) {
        const problem = e instanceof ApiProblem ? { message: e.message, errors: e.errors } : { message: String(e), errors: [] };
        showFormProblem(form, problem);
        if (e instanceof ApiProblem && e.status === 412 && reload) {
          form.querySelector('.form-problem')?.append(h('button', { type: 'button', onclick: reload }, 'Reload'));
        }
        announce(problem.message);
      }
    } finally {
      if (fieldset) fieldset.disabled = false;
      form.removeAttribute('aria-busy');
    }
  });
}

/**
 * Wires a form that changes what its view shows: on submit, `send` sends the form's values and
 * says what it did; that is flashed and the view rendered again. A refusal is shown on the form,
 * with a Reload button for a stale version (onSubmit).
 * @param {import('../app.js').Ctx} ctx
 * @param {HTMLFormElement} form
 * @param {(data: FormData) => Promise<string>} send
 */
export function submitChange(ctx, form, send) {
  onSubmit(form, async (data) => {
    flash(await send(data));
    await ctx.refresh();
  }, () => void ctx.refresh());
}

/**
 * Runs an action from a button; a refusal appears in `place` (a live region).
 * @param {HTMLElement} place
 * @param {() => Promise<void>} action
 * @param {() => void} reload
 */
export async function attempt(place, action, reload) {
  place.replaceChildren();
  try {
    await action();
  } catch (e) {
    if (e instanceof ApiProblem && e.status === 401) return;
    place.replaceChildren(refusal(e, reload));
    announce(e instanceof Error ? e.message : String(e));
  }
}

/**
 * Sends `change` from a button or a small form of the view; when it succeeds, flashes `done` and
 * renders the view again. A refusal appears in `problems` (a live region).
 * @param {import('../app.js').Ctx} ctx
 * @param {HTMLElement} problems
 * @param {() => Promise<unknown>} change
 * @param {string} done
 */
export function applyChange(ctx, problems, change, done) {
  return attempt(problems, async () => {
    await change();
    flash(done);
    await ctx.refresh();
  }, () => void ctx.refresh());
}

/**
 * Wires a form that picks one thing (a list and an Add button): on submit, `action` gets the
 * picked value of the control `name`; nothing happens while none is picked.
 * @param {HTMLFormElement} form
 * @param {string} name
 * @param {(value: string) => void} action
 */
export function onPick(form, name, action) {
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const value = String(new FormData(form).get(name) ?? '');
    if (value) action(value);
  });
}

/**
 * A resource's delete panel, in the resource's own view: what goes with it (`note`), then a button
 * that asks `question` first, runs `remove`, flashes `done` and goes back to the list at `back`; a
 * refusal appears above the button.
 * @param {{ ctx: import('../app.js').Ctx, titleId: string, note?: string, buttonId: string, label: string, question: string, confirmLabel: string, remove: () => Promise<unknown>, done: string, back: string }} spec
 */
export function dangerZone({ ctx, titleId, note, buttonId, label, question, confirmLabel, remove, done, back }) {
  const problems = h('div', { 'aria-live': 'polite' });
  return h('section', { class: 'panel danger-zone', 'aria-labelledby': titleId },
    h('h2', { id: titleId }, 'Delete'),
    note ? h('p', {}, note) : null,
    problems,
    deleteButton({ attrs: { class: 'danger', id: buttonId }, label, question, confirmLabel, done, problems, remove, ctx, back }));
}

/**
 * A Delete button: asks `question` first, then runs `remove`, flashes `done` and goes to `back` (a
 * view's address) or, without it, renders the view again; a refusal appears in `problems`.
 * @param {{ attrs: import('../dom.js').Attrs, label: string, question: string, confirmLabel: string, done: string, problems: HTMLElement, remove: () => Promise<unknown>, ctx: import('../app.js').Ctx, back?: string }} spec
 */
function deleteButton({ attrs, label, question, confirmLabel, done, problems, remove, ctx, back }) {
  const action = async () => {
    await remove();
    flash(done);
    if (back) ctx.go(back);
    else await ctx.refresh();
  };
  return h('button', {
    type: 'button', ...attrs,
    onclick: async () => {
      if (!(await confirmDialog(question, confirmLabel))) return;
      await attempt(problems, action, () => void ctx.refresh());
    },
  }, label);
}

/**
 * A titled panel: a section named by its heading (h2), then `children`.
 * @param {string} titleId
 * @param {string} title
 * @param {...(import('../dom.js').Child | import('../dom.js').Child[])} children
 */
export function panel(titleId, title, ...children) {
  return h('section', { class: 'panel', 'aria-labelledby': titleId }, h('h2', { id: titleId }, title), ...children);
}

/**
 * A list view's items as a table (a caption for assistive technology, a header cell per column,
 * `row` for each item), or the sentence `empty` when there are none.
 * @template T
 * @param {{ caption: string, columns: import('../dom.js').Child[], items: T[], row: (item: T) => HTMLElement, empty: string }} spec
 */
export function listTable({ caption, columns, items, row, empty }) {
  if (!items.length) return h('p', { class: 'empty' }, empty);
  return h('table', { class: 'list' },
    h('caption', { class: 'visually-hidden' }, caption),
    h('thead', {}, h('tr', {}, columns.map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, items.map(row)));
}

/**
 * The address of one item's view: `<base>/<id>`, the id encoded.
 * @param {string} base e.g. `#/groups`
 * @param {string} id
 */
export function itemHref(base, id) {
  return `${base}/${encodeURIComponent(id)}`;
}

/**
 * A link to one item's view (itemHref).
 * @param {string} base e.g. `#/groups`
 * @param {string} id
 * @param {string} text
 */
export function itemLink(base, id, text) {
  return h('a', { href: itemHref(base, id) }, text);
}

/**
 * A list row's Delete button, named after its `item` for assistive technology: asks `question`
 * first, then runs `remove`, flashes `done` and renders the view again; a refusal appears in
 * `problems`.
 * @param {{ item: string, question: string, confirmLabel: string, done: string, problems: HTMLElement, remove: () => Promise<unknown>, ctx: import('../app.js').Ctx }} spec
 */
export function rowDeleteButton({ item, question, confirmLabel, done, problems, remove, ctx }) {
  return deleteButton({ attrs: { class: 'secondary small', 'aria-label': `Delete ${item}` }, label: 'Delete', question, confirmLabel, done, problems, remove, ctx });
}

/**
 * A permission's checkbox: changing it grants (checked) or revokes through `change`; a refusal
 * appears in `problems` and puts the box back as it was.
 * @param {HTMLInputElement} box
 * @param {HTMLElement} problems
 * @param {(granted: boolean) => Promise<void>} change
 * @param {() => void} reload
 */
export function grantOnChange(box, problems, change, reload) {
  box.addEventListener('change', () => void attempt(problems, async () => {
    try {
      await change(box.checked);
    } catch (e) {
      box.checked = !box.checked;
      throw e;
    }
  }, reload));
  return box;
}

/**
 * Only the fields whose value differs from what was shown (a blank text counts as null): a PATCH
 * sends what the person changed, nothing it merely saw.
 * @template {Record<string, unknown>} T
 * @param {Record<string, unknown>} shown
 * @param {T} body
 * @returns {Partial<T>}
 */
export function changedFields(shown, body) {
  /** @param {unknown} v */
  const norm = (v) => (v === '' || v === undefined ? null : v);
  /** @type {Partial<T>} */
  const out = {};
  for (const [key, value] of Object.entries(body)) {
    if (norm(value) !== norm(shown[key])) out[/** @type {keyof T} */ (key)] = /** @type {any} */ (value);
  }
  return out;
}

/** A read-only note for operators who are not administrators. */
export function readOnlyNote() {
  return h('p', { class: 'note', 'data-read-only': true }, 'You can view this, but only administrators can change it.');
}

/** A boolean as text. @param {boolean} b */
export const yesNo = (b) => (b ? 'Yes' : 'No');

/** A badge. @param {string} text @param {string} [kind] */
export const badge = (text, kind = '') => h('span', { class: `badge ${kind}` }, text);
