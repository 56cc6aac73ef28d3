/** Small JSON-schema pieces shared by the route plugins (every object closed: additionalProperties false). */
export const nameSchema = { type: 'string', minLength: 1, maxLength: 64 } as const;
export const passwordSchema = { type: 'string', minLength: 1, maxLength: 1024 } as const;

export function objectSchema(properties: Record<string, unknown>, required: string[] = []) {
  return { type: 'object', properties, required, additionalProperties: false } as const;
}

export const noBody = objectSchema({});
export const nameParams = objectSchema({ name: nameSchema }, ['name']);
