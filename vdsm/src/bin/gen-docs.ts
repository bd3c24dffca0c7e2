#!/usr/bin/env node
// Regenerates the documentation derived from code tables (docs/config.md, docs/api.md).
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { renderConfigDoc } from '@vdsm-ts/common/config/docs';
import { CORPUS_FILE, corpusCallers, renderApiDoc } from '../api/docs.js';
import { DEFAULT_MAX_IN_FLIGHT } from '../rpc/jsonrpc/dispatcher.js';

const docs = fileURLToPath(new URL('../../../../docs/', import.meta.url));
// the source tree's corpus (tests are data here, not code: nothing under test/ is imported)
const corpus = JSON.parse(await readFile(new URL(`../../../${CORPUS_FILE}`, import.meta.url), 'utf8')) as unknown;
await writeFile(`${docs}config.md`, renderConfigDoc());
await writeFile(`${docs}api.md`, renderApiDoc({ maxInFlight: DEFAULT_MAX_IN_FLIGHT, callers: corpusCallers(corpus) }));
