// A local HTTP stand-in that answers like Meilisearch's documented API, with faults a test can script.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  body: unknown;
}

/** What an enqueued task ends as: succeeded, failed with an error, or processing for ever. */
export type TaskOutcome = 'succeed' | 'fail' | 'stuck';

interface StoredTask {
  uid: number;
  indexUid: string;
  type: string;
  outcome: TaskOutcome;
  polls: number;
  enqueuedAt: string;
  apply: () => void;
}

export type SearchHandler = (body: Record<string, unknown>) => { hits: Array<Record<string, unknown>>; estimatedTotalHits: number };

export interface MeilisearchStandIn {
  url: string;
  requests: RecordedRequest[];
  /** Documents of succeeded tasks, by index uid then id. */
  documents: Map<string, Map<string, Record<string, unknown>>>;
  /** Outcomes of the next tasks, in order; once empty, tasks succeed. */
  taskOutcomes: TaskOutcome[];
  /** How many of the next requests answer 500. */
  failingRequests: number;
  /** How many of the next requests are never answered. */
  stallingRequests: number;
  /** While true the engine is down: every connection is dropped unanswered. */
  down: boolean;
  search: SearchHandler;
  close(): Promise<void>;
}

const error = (message: string, code: string, type: string) => ({ message, code, type, link: `https://docs.meilisearch.com/errors#${code}` });

export async function startMeilisearchStandIn(): Promise<MeilisearchStandIn> {
  const tasks = new Map<number, StoredTask>();
  const standIn: Omit<MeilisearchStandIn, 'url' | 'close'> = {
    requests: [],
    documents: new Map(),
    taskOutcomes: [],
    failingRequests: 0,
    stallingRequests: 0,
    down: false,
    search: () => ({ hits: [], estimatedTotalHits: 0 }),
  };

  const enqueue = (res: ServerResponse, indexUid: string, type: string, apply: () => void) => {
    const task: StoredTask = { uid: tasks.size, indexUid, type, outcome: standIn.taskOutcomes.shift() ?? 'succeed', polls: 0, enqueuedAt: new Date().toISOString(), apply };
    tasks.set(task.uid, task);
    send(res, 202, { taskUid: task.uid, indexUid, status: 'enqueued', type, enqueuedAt: task.enqueuedAt });
  };

  const taskView = (task: StoredTask) => {
    task.polls++;
    // The first poll sees the task processing, so clients must keep polling.
    const status = task.polls === 1 || task.outcome === 'stuck' ? 'processing' : task.outcome === 'fail' ? 'failed' : 'succeeded';
    if (task.polls === 2 && task.outcome === 'succeed') task.apply();
    return {
      uid: task.uid,
      batchUid: task.uid,
      indexUid: task.indexUid,
      status,
      type: task.type,
      canceledBy: null,
      details: {},
      error: status === 'failed' ? error('Internal error: disk full', 'internal', 'internal') : null,
      duration: null,
      enqueuedAt: task.enqueuedAt,
      startedAt: task.enqueuedAt,
      finishedAt: status === 'processing' ? null : new Date().toISOString(),
    };
  };

  const handle = (req: IncomingMessage, res: ServerResponse, body: unknown) => {
    const path = new URL(req.url ?? '/', 'http://stand-in').pathname;
    standIn.requests.push({ method: req.method ?? 'GET', path, body });
    if (standIn.stallingRequests > 0) {
      standIn.stallingRequests--;
      return;
    }
    if (standIn.failingRequests > 0) {
      standIn.failingRequests--;
      return send(res, 500, error('Internal error', 'internal', 'internal'));
    }
    const route = `${req.method} ${path}`;
    let m: RegExpMatchArray | null;
    if (route === 'GET /health') return send(res, 200, { status: 'available' });
    if ((m = route.match(/^GET \/tasks\/(\d+)$/))) {
      const task = tasks.get(Number(m[1]));
      return task ? send(res, 200, taskView(task)) : send(res, 404, error(`Task \`${m[1]}\` not found.`, 'task_not_found', 'invalid_request'));
    }
    if ((m = route.match(/^POST \/indexes\/([^/]+)\/documents$/))) {
      const uid = m[1]!;
      const docs = body as Array<Record<string, unknown>>;
      return enqueue(res, uid, 'documentAdditionOrUpdate', () => {
        const index = standIn.documents.get(uid) ?? new Map();
        for (const doc of docs) index.set(String(doc.id), doc);
        standIn.documents.set(uid, index);
      });
    }
    if ((m = route.match(/^POST \/indexes\/([^/]+)\/documents\/delete-batch$/))) {
      const uid = m[1]!;
      return enqueue(res, uid, 'documentDeletion', () => {
        for (const id of body as string[]) standIn.documents.get(uid)?.delete(id);
      });
    }
    if ((m = route.match(/^PATCH \/indexes\/([^/]+)\/settings$/))) return enqueue(res, m[1]!, 'settingsUpdate', () => {});
    if ((m = route.match(/^DELETE \/indexes\/([^/]+)$/))) {
      const uid = m[1]!;
      return enqueue(res, uid, 'indexDeletion', () => standIn.documents.delete(uid));
    }
    if ((m = route.match(/^POST \/indexes\/([^/]+)\/search$/))) {
      const request = body as Record<string, unknown>;
      const { hits, estimatedTotalHits } = standIn.search(request);
      return send(res, 200, { hits, query: request.q ?? '', processingTimeMs: 1, limit: request.limit, offset: request.offset, estimatedTotalHits });
    }
    send(res, 404, error(`Not found: ${route}`, 'not_found', 'invalid_request'));
  };

  const server = createServer((req, res) => {
    if (standIn.down) return req.socket.destroy();
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      handle(req, res, text === '' ? undefined : (JSON.parse(text) as unknown));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(standIn, {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
