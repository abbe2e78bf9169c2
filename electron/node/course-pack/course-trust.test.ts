import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { AppInfoSchema } from '../../common/api/app.ts';
import { createAppHandlers } from '../backend/app-handlers.ts';
import { LabCatalog } from '../labs/lab-catalog.ts';
import { folderCourseTrust, packCourseTrust } from './course-trust.ts';
import { generateSigningKey } from './keys.ts';

const LABS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../labs');

describe('how the app reports the course it opened', () => {
  it('a folder is trusted like code; a pack names its publisher and fingerprint', async () => {
    const catalog = await LabCatalog.load(LABS);
    const folder = await createAppHandlers({ shell: 'browser', catalog, courseTrust: folderCourseTrust(LABS) })['app.info']({}, { clientId: 't' });
    expect(AppInfoSchema.parse(folder).course.trust).toEqual({ kind: 'folder', notice: expect.stringContaining('is not a signed pack: Labdeck trusts it like code you run') });

    const key = generateSigningKey('Ada');
    const pack = await createAppHandlers({ shell: 'browser', catalog, courseTrust: packCourseTrust('/x/course.labdeck', 'Demo', key) })['app.info']({}, { clientId: 't' });
    expect(AppInfoSchema.parse(pack).course.trust).toEqual({ kind: 'pack', publisher: 'Ada', fingerprint: key.fingerprint, notice: `Course pack course.labdeck: Demo, signed by Ada (${key.fingerprint}), a publisher you trust.` });
  });
});
