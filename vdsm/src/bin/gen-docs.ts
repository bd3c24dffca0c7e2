#!/usr/bin/env node
// Regenerates the documentation derived from code tables (docs/config.md, docs/api.md).
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { renderConfigDoc } from '@vdsm-ts/common/config/docs';
import { renderApiDoc } from '../api/docs.js';

const docs = fileURLToPath(new URL('../../../../docs/', import.meta.url));
await writeFile(`${docs}config.md`, renderConfigDoc());
await writeFile(`${docs}api.md`, renderApiDoc());
