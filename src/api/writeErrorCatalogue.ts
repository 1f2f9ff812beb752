// `npm run docs`: writes docs/errors.md from the error catalogue in code.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../paths';
import { catalogueMarkdown } from './errorCatalogue';

const target = path.join(PROJECT_ROOT, 'docs/errors.md');
writeFileSync(target, catalogueMarkdown());
console.log(`wrote ${target}`);
