import { FerryError } from '@ferry/core';
import type { FastifyError, FastifyInstance } from 'fastify';

interface ValidationItem {
  keyword: string;
  instancePath: string;
  params: Record<string, unknown>;
  message?: string;
}

/**
 * Every failure answers `{ error: { code, message, hint? } }`: a FerryError with its own status,
 * a schema violation as 400 FERRY_BAD_INPUT naming the field, fastify's own 4xx (bad JSON, body
 * too large, wrong content type) as FERRY_BAD_INPUT with their status, anything else as 500
 * FERRY_INTERNAL. Never a stack trace.
 */
export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | FerryError, request, reply) => {
    if (error instanceof FerryError) {
      const retryAfterMs = (error as { retryAfterMs?: unknown }).retryAfterMs;
      if (typeof retryAfterMs === 'number' && retryAfterMs > 0)
        reply.header('retry-after', String(Math.ceil(retryAfterMs / 1000)));
      if (error.httpStatus >= 500)
        request.log.error({ code: error.id, msg: error.message }, 'request failed');
      return reply.status(error.httpStatus).send({ error: error.toJSON() });
    }
    const validation = (error as { validation?: ValidationItem[] }).validation;
    if (validation && validation.length > 0) {
      const context = (error as { validationContext?: string }).validationContext ?? 'body';
      return reply
        .status(400)
        .send({ error: badInput(describeValidation(context, validation[0] as ValidationItem)) });
    }
    const status = typeof error.statusCode === 'number' ? error.statusCode : 500;
    if (status >= 400 && status < 500)
      return reply.status(status).send({ error: badInput(error.message || 'the request is malformed') });
    request.log.error(
      { err: { type: error.name, message: error.message, stack: error.stack } },
      'internal error',
    );
    return reply.status(500).send({
      error: {
        code: 'FERRY_INTERNAL',
        message: 'the relay failed to answer this request',
        hint: 'see its log',
      },
    });
  });

  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send({
      error: {
        code: 'FERRY_NOT_FOUND',
        message: `no route ${request.method} ${request.url.split('?')[0]}`,
        hint: 'see docs/relay.md for the API',
      },
    }),
  );
}

function badInput(message: string): { code: string; message: string } {
  return { code: 'FERRY_BAD_INPUT', message };
}

/** "body field 'options.root' is required" rather than ajv's "must have required property". */
export function describeValidation(context: string, item: ValidationItem): string {
  const path = item.instancePath.replace(/^\//, '').replaceAll('/', '.');
  const join = (child: unknown) => (path === '' ? String(child) : `${path}.${String(child)}`);
  switch (item.keyword) {
    case 'required':
      return `${context} field '${join(item.params.missingProperty)}' is required`;
    case 'additionalProperties':
      return `${context} field '${join(item.params.additionalProperty)}' is not accepted`;
    default:
      return path === ''
        ? `${context} ${item.message ?? 'is malformed'}`
        : `${context} field '${path}' ${item.message ?? 'is malformed'}`;
  }
}
