/**
 * OpenAPI 3.0 at `/openapi.json`, generated from the route table: the same zod
 * schemas that validate each request (converted with zod 4's `z.toJSONSchema`,
 * target `openapi-3.0`), what each route answers (`answers.ts`: named schemas under
 * `components.schemas`, so a generated client gets a type per answer), each route's
 * error codes with their statuses, and the whole error table under `x-error-codes`.
 */
import { z } from 'zod';
import { ErrorBody, answerMedia, answerRegistry } from './answers.js';
import { ERROR_TABLE } from './errors.js';
import { COMMON_ERRORS, statusLine, type Route } from './http.js';

type Json = Record<string, unknown>;

function schema(s: z.ZodType): Json {
  return z.toJSONSchema(s, { target: 'openapi-3.0', io: 'input', unrepresentable: 'any' });
}

const COMPONENTS = '#/components/schemas/';

/**
 * Answers are documented open (no `additionalProperties: false`): an answer may gain a field,
 * and a client ignores what it does not know. Integers lose zod's safe-integer bounds (noise).
 */
function tidy({ jsonSchema: js }: { jsonSchema: Json }): void {
  if (js.additionalProperties === false) delete js.additionalProperties;
  if (js.type === 'integer' && js.minimum === Number.MIN_SAFE_INTEGER) delete js.minimum;
  if (js.type === 'integer' && js.maximum === Number.MAX_SAFE_INTEGER) delete js.maximum;
}

/** What a route without a documented answer shows (every route of the gateway has one: a test checks). */
const OPAQUE = z.record(z.string(), z.unknown());

const ANSWER = { target: 'openapi-3.0', io: 'output', unrepresentable: 'any', override: tidy } as const;

/** Every named answer schema, for `components.schemas` (they refer to each other there). */
function answerComponents(): Record<string, Json> {
  const { schemas } = z.toJSONSchema(answerRegistry, {
    ...ANSWER,
    metadata: answerRegistry,
    uri: (id) => `${COMPONENTS}${id}`,
  });
  for (const s of Object.values(schemas)) delete s.$id;
  return schemas;
}

/** A route's answer: a reference to its component, or inline with references to the named parts. */
function answerSchema(s: z.ZodType): Json {
  const id = answerRegistry.get(s)?.id;
  if (id !== undefined) return { $ref: `${COMPONENTS}${id}` };
  const { definitions: _d, $defs: _defs, ...js } = z.toJSONSchema(s, { ...ANSWER, metadata: answerRegistry }) as Json;
  return JSON.parse(JSON.stringify(js).replace(/"#\/(?:definitions|\$defs)\//g, `"${COMPONENTS}`)) as Json;
}

/** The error answer of one status, its `code` narrowed to the codes this route answers with it. */
function errorSchema(codes: readonly string[]): Json {
  const js = z.toJSONSchema(ErrorBody, { ...ANSWER, metadata: z.registry() }) as Json;
  return { ...js, properties: { ...(js.properties as Json), code: { type: 'string', enum: codes } } };
}

const SECURITY: Record<string, unknown> = {
  diner: [{ dinerSession: [] }],
  staff: [{ staffToken: [] }],
};

/** A route's path, query and header parameters. */
function parametersOf(r: Route): unknown[] {
  const parameters: unknown[] = [];
  for (const [where, obj] of [
    ['path', r.params],
    ['query', r.query],
  ] as const) {
    if (obj === undefined) continue;
    const js = schema(obj) as { properties?: Record<string, unknown>; required?: string[] };
    for (const [name, s] of Object.entries(js.properties ?? {})) {
      parameters.push({
        name,
        in: where,
        required: where === 'path' || (js.required ?? []).includes(name),
        schema: s,
      });
    }
  }
  for (const h of r.headers ?? [])
    parameters.push({
      name: h.name,
      in: 'header',
      required: h.required,
      description: h.description,
      schema: { type: 'string' },
    });
  return parameters;
}

/** A route's answers: its own, 304 when it takes If-None-Match, and one per status its error codes map to. */
function responsesOf(r: Route, codes: readonly string[]): Record<string, unknown> {
  const byStatus = new Map<number, string[]>();
  for (const c of codes) {
    const st = ERROR_TABLE[c]?.status ?? 500;
    byStatus.set(st, [...(byStatus.get(st) ?? []), c]);
  }
  const ok = r.responseStatus ?? 200;
  const responses: Record<string, unknown> = {
    [String(ok)]: {
      description: r.responseDescription ?? statusLine(ok),
      ...(ok === 204
        ? {}
        : {
            content: Object.fromEntries(
              Object.entries(answerMedia(r.response ?? OPAQUE)).map(([type, s]) => [type, { schema: answerSchema(s) }]),
            ),
          }),
    },
  };
  if (r.headers?.some((h) => h.name === 'If-None-Match') === true)
    responses['304'] = { description: `${statusLine(304)}: the ETag sent in If-None-Match is still current` };
  for (const [st, cs] of [...byStatus].sort((a, b) => a[0] - b[0])) {
    responses[String(st)] = {
      description: `${statusLine(st)}: ${cs.map((c) => `\`${c}\``).join(', ')}`,
      content: { 'application/json': { schema: errorSchema(cs) } },
    };
  }
  return responses;
}

/** A route as an OpenAPI operation. */
function operationOf(r: Route): Record<string, unknown> {
  const parameters = parametersOf(r);
  const codes = [...new Set([...r.errors, ...COMMON_ERRORS])];
  const op: Record<string, unknown> = {
    tags: [r.tag],
    summary: r.summary,
    ...(r.description === undefined ? {} : { description: r.description }),
    operationId: `${r.method}_${r.path.replace(/[{}]/g, '').replace(/[^A-Za-z0-9]+/g, '_')}`,
    ...(parameters.length === 0 ? {} : { parameters }),
    ...(SECURITY[r.auth] === undefined ? {} : { security: SECURITY[r.auth] }),
    ...(r.roles === undefined ? {} : { 'x-roles': r.roles }),
    'x-error-codes': codes,
    responses: responsesOf(r, codes),
  };
  if (r.body !== undefined || r.bodyTypes !== undefined) {
    const types = r.bodyTypes ?? ['application/json'];
    op.requestBody = {
      required: true,
      content: Object.fromEntries(
        types.map((t) => [
          t,
          { schema: r.body === undefined || t !== 'application/json' ? { type: 'string' } : schema(r.body) },
        ]),
      ),
    };
  }
  return op;
}

export function openApiDocument(routes: readonly Route[], extra: readonly Route[], serverUrl: string): unknown {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of [...routes, ...extra]) {
    const method = r.method === 'del' ? 'delete' : r.method;
    (paths[r.path] ??= {})[method] = operationOf(r);
  }
  return {
    openapi: '3.0.3',
    info: {
      title: 'lunchrush gateway',
      version: '1.0.0',
      description:
        'Scan-to-order API for diners (WeChat mini-program), staff, POS and delivery platforms. Errors are {code, message, details?}; x-error-codes lists every code.',
    },
    servers: [{ url: serverUrl }],
    tags: ['diner', 'staff', 'channels', 'payments', 'simulator', 'system'].map((name) => ({ name })),
    components: {
      securitySchemes: {
        dinerSession: {
          type: 'http',
          scheme: 'bearer',
          description:
            'the sessionToken from POST /v1/diner/login, or the one POST /v1/diner/scan answers (it names the table); an answer may carry a renewed one in the Session-Token header',
        },
        staffToken: { type: 'http', scheme: 'bearer', description: 'a signed staff token (s1.…) with store and role' },
      },
      schemas: answerComponents(),
    },
    paths,
    'x-error-codes': Object.fromEntries(
      Object.entries(ERROR_TABLE).map(([code, spec]) => [
        code,
        { status: spec.status, retryable: spec.retryable === true, description: spec.description },
      ]),
    ),
  };
}
