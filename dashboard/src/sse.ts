/**
 * A small Server-Sent Events parser (the WHATWG "event stream" format), fed text chunks as they
 * arrive from `fetch` (EventSource cannot send an Authorization header). No DOM types: it is
 * unit-tested under Node.
 */

export interface SseMessage {
  /** The last `id:` seen (it persists across messages, as in EventSource). */
  id: string | undefined;
  /** `event:`, or `message` when none was given. */
  event: string;
  data: string;
}

export class SseParser {
  private buffer = '';
  private data: string[] = [];
  private event = '';
  private sawData = false;
  /** The last event id, sent back as `Last-Event-ID` on reconnection. */
  lastEventId: string | undefined;
  /** A `retry:` the server asked for, in milliseconds. */
  retryMs: number | undefined;

  /** Feeds a chunk; returns the messages it completed. */
  push(chunk: string): SseMessage[] {
    this.buffer += chunk;
    const messages: SseMessage[] = [];
    for (;;) {
      const match = /\r\n|\r|\n/.exec(this.buffer);
      if (!match) break;
      // A lone CR at the very end may be the first half of CRLF: wait for more.
      if (match[0] === '\r' && match.index === this.buffer.length - 1) break;
      const line = this.buffer.slice(0, match.index);
      this.buffer = this.buffer.slice(match.index + match[0].length);
      const message = this.line(line);
      if (message) messages.push(message);
    }
    return messages;
  }

  private line(line: string): SseMessage | undefined {
    if (line === '') return this.dispatch();
    if (line.startsWith(':')) return undefined; // comment (keep-alive)
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'data':
        this.data.push(value);
        this.sawData = true;
        break;
      case 'event':
        this.event = value;
        break;
      case 'id':
        if (!value.includes('\0')) this.lastEventId = value;
        break;
      case 'retry':
        if (/^\d+$/.test(value)) this.retryMs = Number(value);
        break;
      default:
        break; // unknown fields are ignored
    }
    return undefined;
  }

  private dispatch(): SseMessage | undefined {
    const message: SseMessage | undefined = this.sawData
      ? { id: this.lastEventId, event: this.event || 'message', data: this.data.join('\n') }
      : undefined;
    this.data = [];
    this.event = '';
    this.sawData = false;
    return message;
  }
}
