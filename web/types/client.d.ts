// Types of the typed API client (src/api.js), derived from the types that openapi-typescript
// generates from ../openapi.json into types/api.d.ts (`npm run types`; `npm run check` does it
// before type-checking, so the page is always checked against the current contract).
import type { components, paths } from './api';

export type Schemas = components['schemas'];
export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
export type Path = keyof paths;

/** The paths that have an operation for this method. */
export type PathFor<M extends Method> = { [P in Path]: paths[P][M] extends undefined ? never : P }[Path];
type Operation<P extends Path, M extends Method> = Exclude<paths[P][M], undefined>;

type Params<O> = O extends { parameters: infer X } ? X : never;
type PathParams<O> = Params<O> extends { path: infer X } ? X : never;
type QueryParams<O> = Params<O> extends { query?: infer X } ? X : never;
type Body<O> = O extends { requestBody: { content: { 'application/json': infer B } } }
  ? B
  : O extends { requestBody?: { content: { 'application/json': infer B } } }
    ? B
    : never;
type Success<O> = O extends { responses: infer R }
  ? R extends { 200: { content: { 'application/json': infer D } } }
    ? D
    : R extends { 201: { content: { 'application/json': infer D } } }
      ? D
      : undefined
  : never;

export interface RequestOptions<P extends Path, M extends Method> {
  /** Path parameters, by the names of the path template. */
  path?: PathParams<Operation<P, M>>;
  query?: QueryParams<Operation<P, M>>;
  body?: Body<Operation<P, M>>;
  /** The `version` the change was based on (sent as `If-Match: "<version>"`). */
  ifMatch?: number;
  idempotencyKey?: string;
}

export interface Result<D> {
  data: D;
  etag: string | null;
}

/** `call('get', '/operators/{id}', {path: {id}})`: typed by the contract. */
export type Call = <M extends Method, P extends PathFor<M>>(method: M, path: P, options?: RequestOptions<P, M>) => Promise<Result<Success<Operation<P, M>>>>;

// Fields the contract documents that older servers may not send yet; the page shows them when
// they are there.
export type Operator = Schemas['OperatorView'] & { isDisabled?: boolean };
export type Summary = Schemas['HubSummary'] & { operators: Schemas['OperatorFigures'] & { disabled?: number } };
