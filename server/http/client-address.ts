// Sets `clientAddress` on every request: the socket peer, or the client a trusted proxy forwarded for.
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context, MiddlewareHandler } from 'hono';
import { clientAddress, type AddressList } from '../domain/client-address.js';

export function clientAddressMiddleware(trustedProxies: AddressList): MiddlewareHandler {
  return async (c, next) => {
    c.set('clientAddress', clientAddress(peerOf(c), c.req.header('x-forwarded-for'), trustedProxies));
    await next();
  };
}

/** In-process requests (app.request in tests and CLIs) have no socket. */
function peerOf(c: Context): string | undefined {
  try {
    return getConnInfo(c).remote.address;
  } catch {
    return undefined;
  }
}

declare module 'hono' {
  interface ContextVariableMap {
    clientAddress: string;
  }
}
