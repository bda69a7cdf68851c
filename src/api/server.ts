/**
 * The operator API's HTTP server (fastify): TLS, authentication, the error format, and mounting
 * the native API (/api/v1), the FastNetMon Advanced–compatible endpoints (/blackhole, ...), the
 * event stream, /metrics and the OpenAPI document. Routes live in routes-*.ts; this file owns
 * what is common to all of them.
 *
 * Errors: the native API answers `{ "error": { "code", "message", "problems"? } }` with a 4xx/5xx
 * status; FastNetMon-compatible paths answer FastNetMon's envelope `{ "success": false,
 * "error_text" }` so its scripts read the failure they expect. A request that fails validation
 * changes nothing: handlers run only after every parameter and the body have been validated.
 */
import { readFileSync } from 'node:fs';
import Fastify, { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import fastifySwagger from '@fastify/swagger';
import { hasZodFastifySchemaValidationErrors, jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Logger } from '../log.js';
import type { ApiConfig } from './config.js';
import type { ApiContext } from './context.js';
import { Authenticator, authConfigProblems, passwordKind, type Principal } from './auth.js';
import { registerNativeRoutes } from './routes-native.js';
import { registerFastnetmonRoutes } from './routes-fastnetmon.js';
import { registerDashboard } from './static.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
  interface FastifyContextConfig {
    /** No authentication (health probe; /metrics unless api.metrics_require_auth). */
    public?: boolean;
  }
}

export class ApiConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid api config: ${problems.join('; ')}`);
    this.name = 'ApiConfigError';
  }
}

/** An error a handler throws to answer with a status, a code and a message. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly problems?: string[],
  ) {
    super(message);
  }
}

export function isFastnetmonPath(url: string): boolean {
  return !url.startsWith('/api/') && !url.startsWith('/metrics') && !url.startsWith('/ui');
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export async function buildApiServer(ctx: ApiContext, cfg: ApiConfig, logger: Logger): Promise<FastifyInstance> {
  const problems = authConfigProblems(cfg);
  if (problems.length > 0) throw new ApiConfigError(problems);
  let https: { cert: Buffer; key: Buffer } | null = null;
  if (cfg.tls) {
    try {
      https = { cert: readFileSync(cfg.tls.cert_file), key: readFileSync(cfg.tls.key_file) };
    } catch (e) {
      throw new ApiConfigError([`api.tls: cannot read ${(e as NodeJS.ErrnoException).path ?? 'file'}: ${(e as Error).message}`]);
    }
  }
  for (const u of cfg.users) {
    if (passwordKind(u.password) === 'clear') logger.warn({ user: u.name }, 'api user has a clear-text password in the config: use `breakwater hash-password`');
  }

  const app = Fastify({
    loggerInstance: logger.child({ component: 'api' }) as never,
    // Requests are not logged one by one (Prometheus and scripts poll every second); errors are.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: cfg.body_limit_bytes,
    // Event-stream clients never go idle: close them with the server instead of waiting.
    forceCloseConnections: true,
    ...(https ? { https } : {}),
  }) as unknown as FastifyInstance;
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.decorateRequest('principal', null);

  // FastNetMon clients send PUT/DELETE with an empty body and sometimes a JSON content type;
  // an empty body is "no body", not a JSON syntax error.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    const text = (body as string).trim();
    if (text === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch (e) {
      done(new HttpError(400, 'invalid_json', `request body is not valid JSON: ${(e as Error).message}`), undefined);
    }
  });
  // Anything else (text/plain, form posts from curl -d) is accepted as text; routes that need a
  // body validate it and say what they expected.
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, (body as string) === '' ? undefined : body));

  const auth = new Authenticator(cfg, ctx.now);
  app.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
    const isPublic = req.routeOptions.config?.public === true || (req.url.startsWith('/metrics') && !cfg.metrics_require_auth);
    if (isPublic) return;
    const client = req.ip;
    const delay = auth.delayFor(client);
    if (delay > 0) await sleep(delay);
    const r = await auth.authenticate(req.headers.authorization, client);
    if (!r.ok) {
      reply.header('WWW-Authenticate', 'Basic realm="breakwater", charset="UTF-8"');
      throw new HttpError(401, 'unauthorized', r.message);
    }
    req.principal = r.principal;
    if (r.principal.role === 'read' && req.method !== 'GET' && req.method !== 'HEAD') {
      throw new HttpError(403, 'forbidden', `user ${r.principal.name} has the read role: ${req.method} needs admin`);
    }
  });

  app.setErrorHandler((err: unknown, req, reply) => {
    let status = 500;
    let code = 'internal_error';
    let message = 'internal error';
    let problems: string[] | undefined;
    if (err instanceof HttpError) {
      status = err.statusCode;
      code = err.code;
      message = err.message;
      problems = err.problems;
    } else if (hasZodFastifySchemaValidationErrors(err)) {
      status = 400;
      code = 'invalid_request';
      const where = (err as { validationContext?: string }).validationContext ?? 'request';
      problems = err.validation.map((v) => {
        const path = v.instancePath.split('/').filter(Boolean).join('.');
        return `${where}${path ? `.${path}` : ''}: ${v.message}`;
      });
      message = problems.join('; ');
    } else {
      const fe = err as { statusCode?: number; code?: string; message?: string };
      if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
        status = fe.statusCode;
        code = (fe.code ?? 'bad_request').toLowerCase().replace(/^fst_err_/, '');
        message = fe.message ?? 'bad request';
      } else {
        req.log.error({ err, url: req.url, method: req.method }, 'api handler failed');
      }
    }
    if (isFastnetmonPath(req.url)) return reply.status(status).send({ success: false, error_text: message });
    return reply.status(status).send({ error: { code, message, ...(problems ? { problems } : {}) } });
  });
  app.setNotFoundHandler((req, reply) => {
    const message = `no route ${req.method} ${req.url.split('?')[0]}`;
    if (isFastnetmonPath(req.url)) return reply.status(404).send({ success: false, error_text: message });
    return reply.status(404).send({ error: { code: 'not_found', message } });
  });

  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Breakwater API',
        version: ctx.version,
        description: 'Native API of the Breakwater DDoS detection and mitigation daemon (docs/api.md). The FastNetMon Advanced–compatible endpoints are listed under the fastnetmon tag.',
      },
      components: {
        securitySchemes: {
          basic: { type: 'http', scheme: 'basic' },
          bearer: { type: 'http', scheme: 'bearer' },
        },
      },
      security: [{ basic: [] }, { bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });

  await registerDashboard(app);
  registerNativeRoutes(app, ctx);
  registerFastnetmonRoutes(app, ctx);
  app.get('/api/v1/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  app.get('/metrics', { schema: { hide: true } }, async (_req, reply) => {
    if (!ctx.metrics) throw new HttpError(404, 'not_found', 'metrics are not enabled');
    const text = await ctx.metrics.render();
    return reply.type(ctx.metrics.contentType).send(text);
  });
  return app;
}

/** The API as the daemon runs it: build, listen, close. */
export class ApiServer {
  private app: FastifyInstance | null = null;

  constructor(
    private readonly ctx: ApiContext,
    private readonly cfg: ApiConfig,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<{ address: string; port: number }> {
    const app = await buildApiServer(this.ctx, this.cfg, this.logger);
    await app.listen({ host: this.cfg.address, port: this.cfg.port });
    this.app = app;
    const a = app.server.address();
    const port = typeof a === 'object' && a ? a.port : this.cfg.port;
    this.logger.info({ address: this.cfg.address, port, tls: this.cfg.tls !== null, auth: this.cfg.users.length + this.cfg.tokens.length > 0 }, 'api listening');
    return { address: this.cfg.address, port };
  }

  get port(): number {
    const a = this.app?.server.address();
    return typeof a === 'object' && a ? a.port : this.cfg.port;
  }

  async stop(): Promise<void> {
    const app = this.app;
    this.app = null;
    if (app) await app.close();
  }
}
