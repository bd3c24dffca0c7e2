/**
 * containers: Docker's `GET /containers/json?all=true` over its UNIX socket. No socket, no containers.
 */
import { request } from 'node:http';
import type { Container } from '../protocol/messages.js';

const MAX_BODY = 4 * 1024 * 1024;

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

export function convertContainers(body: unknown): Container[] {
  if (!Array.isArray(body)) return [];
  return body
    .filter((c): c is Record<string, unknown> => typeof c === 'object' && c !== null)
    .map((c) => ({
      id: str(c.Id),
      names: Array.isArray(c.Names) ? c.Names.filter((n): n is string => typeof n === 'string') : [],
      image: str(c.Image),
      command: str(c.Command),
      status: str(c.Status),
    }));
}

export function listContainers(socketPath: string, timeoutMs = 5000): Promise<Container[]> {
  return new Promise((resolve) => {
    const req = request({ socketPath, path: '/containers/json?all=true', timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_BODY) req.destroy();
        else chunks.push(c);
      });
      res.on('end', () => {
        try {
          resolve(res.statusCode === 200 ? convertContainers(JSON.parse(Buffer.concat(chunks).toString('utf8'))) : []);
        } catch {
          resolve([]);
        }
      });
      res.on('error', () => resolve([]));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve([]));
    req.end();
  });
}
