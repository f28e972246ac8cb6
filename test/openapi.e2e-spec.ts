import { COMMAND_NAMES, validateCommand } from '../src/timeline';
import { startTestApp, type TestApp } from './app-harness';

describe('the served OpenAPI document', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('pglite');
  });
  afterAll(async () => t?.close());

  it('documents every command with a valid example, the batch, and the read and ops routes', async () => {
    const answer = await t.request('GET', '/docs/openapi.json', { key: null });
    expect(answer.status).toBe(200);
    const doc = answer.body;
    for (const name of COMMAND_NAMES) {
      const operation = doc.paths[`/v1/commands/${name}`]?.post;
      expect(operation).toBeDefined();
      const example = operation.requestBody.content['application/json'].examples.demo.value;
      const validation = validateCommand(name, example);
      expect(validation).toMatchObject({ ok: true });
      expect(operation.responses['201']).toBeDefined();
      expect(operation.responses['400'].content['application/problem+json']).toBeDefined();
    }
    for (const path of [
      '/v1/batch',
      '/v1/timeline',
      '/v1/tallies/{name}',
      '/v1/projections',
      '/v1/events',
    ]) {
      expect(doc.paths[path]).toBeDefined();
    }
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
  });
});
