/**
 * The dashboard's pure modules, under Node: the SSE parser, the JSON merge patch and change
 * list of corrections, and the URL state.
 */
import {
  applyMergePatch,
  changesOf,
  replayHistory,
  type Json,
} from '../../dashboard/src/merge-patch';
import { formatRoute, monthRange, parseRoute } from '../../dashboard/src/route';
import { SseParser } from '../../dashboard/src/sse';

describe('SseParser', () => {
  it('parses id, event and multi-line data, across chunk boundaries and line endings', () => {
    const parser = new SseParser();
    const text =
      'id: 7\r\nevent: StrikeReported\r\ndata: {"a":\r\ndata: 1}\r\n\r\n: keep-alive\n\nid: 8\ndata: x\n\n';
    const messages = [];
    for (const chunk of text.match(/.{1,3}/gs)!) messages.push(...parser.push(chunk));
    expect(messages).toEqual([
      { id: '7', event: 'StrikeReported', data: '{"a":\n1}' },
      { id: '8', event: 'message', data: 'x' },
    ]);
    expect(parser.lastEventId).toBe('8');
  });

  it('waits for the LF of a CRLF split between chunks, and reads retry', () => {
    const parser = new SseParser();
    expect(parser.push('retry: 3000\r')).toEqual([]);
    expect(parser.push('\ndata: y\r')).toEqual([]);
    expect(parser.push('\n\r\n')).toEqual([{ id: undefined, event: 'message', data: 'y' }]);
    expect(parser.retryMs).toBe(3000);
  });

  it('dispatches nothing for a block without data', () => {
    const parser = new SseParser();
    expect(parser.push('id: 3\nevent: ping\n\n')).toEqual([]);
    expect(parser.lastEventId).toBe('3');
  });
});

describe('merge patch and corrections', () => {
  it('applies RFC 7396: objects merge, null removes, arrays replace', () => {
    expect(
      applyMergePatch(
        { a: 1, b: { c: 2, d: 3 }, list: [1, 2] },
        { b: { c: null, e: 4 }, list: [9], f: 'x' },
      ),
    ).toEqual({ a: 1, b: { d: 3, e: 4 }, list: [9], f: 'x' });
  });

  it('lists the leaves a correction changed, with before and after', () => {
    const body: Json = {
      summary: 'old',
      weapons: [
        { kind: 'drone', intercepted: 245 },
        { kind: 'ballistic_missile', intercepted: 6 },
      ],
    };
    const patch: Json = {
      weapons: [
        { kind: 'drone', intercepted: 250, launched: 300 },
        { kind: 'ballistic_missile', intercepted: 6 },
      ],
    };
    expect(changesOf(body, patch)).toEqual([
      { path: 'weapons[0].intercepted', before: 245, after: 250 },
      { path: 'weapons[0].launched', before: undefined, after: 300 },
    ]);
  });

  it('replays a history: each correction against the body as corrected before it', () => {
    const steps = replayHistory([
      { type: 'PrisonersExchanged', data: { released: [{ by: 'RU', count: 307 }] } },
      {
        type: 'IncidentCorrected',
        data: { changes: { released: [{ by: 'RU', count: 300 }] }, reason: 'r1' },
      },
      {
        type: 'IncidentCorrected',
        data: { changes: { released: [{ by: 'RU', count: 301 }] }, reason: 'r2' },
      },
    ]);
    expect(steps.map((s) => s.changes)).toEqual([
      undefined,
      [{ path: 'released[0].count', before: 307, after: 300 }],
      [{ path: 'released[0].count', before: 300, after: 301 }],
    ]);
  });
});

describe('URL state', () => {
  it('round-trips the view, every filter, asOf and the open incident', () => {
    const search =
      '?view=timeline&from=2025-05-01&to=2025-05-31&type=StrikeReported%2CCasualtiesReported&country=UA&region=Kyiv&party=RU&tag=drones&q=overnight+strike&includeRetracted=true&order=desc&asOf=2025-05-24T12%3A00%3A00.000Z&incident=ada84c18-b130-4ac1-abbe-cb812f6c1935';
    const route = parseRoute(search);
    expect(route).toEqual({
      view: 'timeline',
      filters: {
        from: '2025-05-01',
        to: '2025-05-31',
        type: 'StrikeReported,CasualtiesReported',
        country: 'UA',
        region: 'Kyiv',
        party: 'RU',
        tag: 'drones',
        q: 'overnight strike',
        includeRetracted: 'true',
        order: 'desc',
      },
      asOf: '2025-05-24T12:00:00.000Z',
      incident: 'ada84c18-b130-4ac1-abbe-cb812f6c1935',
    });
    expect(parseRoute(formatRoute(route))).toEqual(route);
  });

  it('never carries a key, and ignores unknown views and malformed values', () => {
    expect(parseRoute('?view=admin&asOf=yesterday&incident=x&key=secret')).toEqual({
      view: 'overview',
      filters: {},
    });
    expect(formatRoute({ view: 'overview', filters: {} })).toBe('');
  });

  it('gives a month as from and to dates', () => {
    expect(monthRange('2025-02')).toEqual({ from: '2025-02-01', to: '2025-02-28' });
    expect(monthRange('2024-02')).toEqual({ from: '2024-02-01', to: '2024-02-29' });
    expect(monthRange('2025-05')).toEqual({ from: '2025-05-01', to: '2025-05-31' });
  });
});
