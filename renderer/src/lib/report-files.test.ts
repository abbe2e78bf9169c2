import { describe, expect, it } from 'vitest';
import { maxClassReportChars } from '../../../electron/common/api/classroom.ts';
import { readReports } from './report-files.ts';

const file = (relativePath: string, text = '{}', size = text.length) => ({ name: relativePath.split('/').at(-1) ?? relativePath, relativePath, size, text: async () => text });

describe('readReports', () => {
  it("reads the folder's JSON reports, named after the folder", async () => {
    const read = await readReports([file('class-3/b.labdeck-report.json', '{"b":1}'), file('class-3/notes.txt'), file('class-3/a.labdeck-report.json', '{"a":1}')]);
    expect(read.label).toBe('class-3');
    expect(read.files).toEqual([
      { name: 'a.labdeck-report.json', text: '{"a":1}' },
      { name: 'b.labdeck-report.json', text: '{"b":1}' },
    ]);
    expect(read.skipped).toEqual([]);
  });

  it('names a file too large to be a report instead of reading it', async () => {
    const read = await readReports([file('r/huge.json', '', maxClassReportChars + 1)]);
    expect(read.files).toEqual([]);
    expect(read.skipped).toEqual(['huge.json (too large to be a report)']);
  });
});
